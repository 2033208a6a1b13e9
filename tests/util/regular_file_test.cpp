#include "util/regular_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/secret.h"

using namespace odmr;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-regular-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& content, mode_t mode) const {
        auto file = path / name;
        std::ofstream(file, std::ios::binary) << content;
        ::chmod(file.c_str(), mode);
        return file.string();
    }
};

struct stat status_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st;
}

}  // namespace

TEST_CASE("a FIFO or a device is refused at once, never waited on") {
    TempDir dir;
    auto fifo = (dir.path / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (const std::string& path : {fifo, std::string("/dev/zero"), dir.path.string()}) {
        CAPTURE(path);
        auto text = read_text_file(path, 1024);
        REQUIRE_FALSE(text.ok());
        CHECK(text.error().is(Errc::config));
        CHECK(read_secret_file(path).error().is(Errc::config));
    }
}

TEST_CASE("a file over the bound is refused") {
    TempDir dir;
    auto path = dir.write("big", std::string(2000, 'x'), 0600);
    CHECK(read_text_file(path, 1999).error().is(Errc::config));
    CHECK(read_text_file(path, 2000).value().size() == 2000);
}

TEST_CASE("a secret line over 4096 bytes is refused, not cut") {
    TempDir dir;
    CHECK(read_secret_file(dir.write("long", std::string(4097, 'p') + "\n", 0600))
              .error()
              .is(Errc::config));
    CHECK(read_secret_file(dir.write("fits", std::string(4096, 'p') + "\n", 0600)).ok());
}

TEST_CASE("ssh's rule: a secret only its owner can read, settings only its owner can write") {
    TempDir dir;
    auto path = dir.write("f", "x\n", 0600);
    CHECK(check_file_access(path, status_of(path), FileContent::secret).ok());
    ::chmod(path.c_str(), 0640);
    auto refused = check_file_access(path, status_of(path), FileContent::secret);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().is(Errc::config));
    CHECK(refused.error().detail.find("chmod 600 " + path) != std::string::npos);
    CHECK(check_file_access(path, status_of(path), FileContent::settings).ok());
    ::chmod(path.c_str(), 0664);
    CHECK(check_file_access(path, status_of(path), FileContent::settings)
              .error()
              .detail.find("chmod go-w") != std::string::npos);
    CHECK(read_secret_file(path, true).error().is(Errc::config));
}

TEST_CASE("ssh's rule: a file of another user (not root) is refused with the chown") {
    TempDir dir;
    auto path = dir.write("f", "x\n", 0600);
    auto st = status_of(path);
    st.st_uid = ::geteuid() == 0 ? 65534 : ::geteuid() + 1;
    auto refused = check_file_access(path, st, FileContent::settings);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().detail.find("chown ") != std::string::npos);
    st.st_uid = 0;
    CHECK(check_file_access(path, st, FileContent::secret).ok());
}
