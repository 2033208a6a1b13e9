#include "util/secret.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace odmr;
namespace fs = std::filesystem;

namespace {

// A private directory removed with everything in it at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-secret-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& content) const {
        auto file = path / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }
};

std::string reveal(const Secret& secret) {
    return secret.with([](std::string_view value) { return std::string(value); });
}

std::string must_read(const std::string& path) {
    auto secret = read_secret_file(path);
    REQUIRE_MESSAGE(secret.ok(), secret.error().message());
    return reveal(*secret);
}

}  // namespace

TEST_CASE("a Secret gives its value back through with()") {
    Secret secret("tanstaaf");
    CHECK(secret.size() == 8);
    CHECK_FALSE(secret.empty());
    CHECK(reveal(secret) == "tanstaaf");
}

TEST_CASE("an empty Secret is empty") {
    Secret secret("");
    CHECK(secret.empty());
    CHECK(reveal(secret).empty());
    CHECK(Secret().empty());
}

TEST_CASE("a moved Secret leaves its source empty") {
    Secret source("value");
    Secret target(std::move(source));
    CHECK(source.empty());  // NOLINT(bugprone-use-after-move)
    CHECK(reveal(target) == "value");
    Secret assigned("other");
    assigned = std::move(target);
    CHECK(target.empty());  // NOLINT(bugprone-use-after-move)
    CHECK(reveal(assigned) == "value");
}

TEST_CASE("wipe clears a string") {
    std::string s = "password";
    wipe(s);
    CHECK(s.empty());
}

TEST_CASE("read_secret_file takes the first line only") {
    TempDir dir;
    CHECK(must_read(dir.write("lf", "first\nsecond\n")) == "first");
    CHECK(must_read(dir.write("no-newline", "only")) == "only");
}

TEST_CASE("read_secret_file strips a CRLF line end") {
    TempDir dir;
    CHECK(must_read(dir.write("crlf", "pa ss\r\nsecond\r\n")) == "pa ss");
}

TEST_CASE("read_secret_file keeps spaces that are part of the password") {
    TempDir dir;
    CHECK(must_read(dir.write("spaces", " p w \n")) == " p w ");
}

TEST_CASE("read_secret_file refuses an empty first line") {
    TempDir dir;
    for (std::string content : {"", "\n", "\r\nsecond\n"}) {
        CAPTURE(content);
        auto secret = read_secret_file(dir.write("empty", content));
        REQUIRE_FALSE(secret.ok());
        CHECK(secret.error().is(Errc::config));
    }
}

TEST_CASE("read_secret_file reports a missing file") {
    TempDir dir;
    auto secret = read_secret_file((dir.path / "absent").string());
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().code == std::errc::no_such_file_or_directory);
    CHECK(secret.error().message().find("absent") != std::string::npos);
}

TEST_CASE("read_secret_file refuses a directory") {
    TempDir dir;
    auto secret = read_secret_file(dir.path.string());
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().is(Errc::config));
}

TEST_CASE("read_secret_file does not follow a symbolic link") {
    TempDir dir;
    auto target = dir.write("real", "password\n");
    fs::create_symlink(target, dir.path / "link");
    auto secret = read_secret_file((dir.path / "link").string());
    CHECK_FALSE(secret.ok());
}
