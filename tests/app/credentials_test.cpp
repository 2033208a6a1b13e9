#include "app/credentials.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using ::odmr::Errc;
using namespace ::odmr::app;
namespace fs = std::filesystem;

namespace {

// A private directory standing in for HOME and CREDENTIALS_DIRECTORY.
struct Environment {
    fs::path path;
    std::string home;
    Environment() {
        std::string pattern = (fs::temp_directory_path() / "odmr-credentials-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
        fs::create_directory(path / "credentials");
        if (const char* old = std::getenv("HOME")) home = old;
        ::setenv("HOME", path.c_str(), 1);
        ::setenv("CREDENTIALS_DIRECTORY", (path / "credentials").c_str(), 1);
    }
    ~Environment() {
        ::setenv("HOME", home.c_str(), 1);
        ::unsetenv("CREDENTIALS_DIRECTORY");
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& content) const {
        auto file = path / name;
        std::ofstream(file) << content;
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
        return file.string();
    }
};

std::string reveal(const odmr::Secret& secret) {
    return secret.with([](std::string_view value) { return std::string(value); });
}

SecretSources sources() {
    return {"password",
            "--password-file",
            "",
            "--password-command",
            "",
            "password",
            "odmr.example.net",
            "",
            false};
}

}  // namespace

TEST_CASE("the sources are tried in order: file, command, credential, netrc") {
    Environment env;
    env.write(".netrc", "machine odmr.example.net login carol password from-netrc\n");
    auto s = sources();
    auto netrc = find_secret(s);
    REQUIRE(netrc.ok());
    REQUIRE(netrc->has_value());
    CHECK(reveal((*netrc)->secret) == "from-netrc");
    CHECK((*netrc)->login == "carol");

    env.write("credentials/password", "from-credential\n");
    CHECK(reveal(find_secret(s).value()->secret) == "from-credential");
    s.command = "echo from-command";
    CHECK(reveal(find_secret(s).value()->secret) == "from-command");
    s.file = env.write("password", "from-file\n");
    CHECK(reveal(find_secret(s).value()->secret) == "from-file");
}

TEST_CASE("no source: nothing, and no prompt without a terminal") {
    Environment env;
    auto s = sources();
    s.may_prompt = true;  // standard input of the test run is not a terminal
    if (::isatty(STDIN_FILENO) == 1) return;
    auto found = find_secret(s);
    REQUIRE(found.ok());
    CHECK_FALSE(found->has_value());
}

TEST_CASE("a password file or ~/.netrc others can read is refused") {
    Environment env;
    auto s = sources();
    auto netrc = env.write(".netrc", "default login x password y\n");
    fs::permissions(netrc, fs::perms::group_read, fs::perm_options::add);
    CHECK(find_secret(s).error().is(Errc::config));
    s.file = env.write("password", "p\n");
    fs::permissions(s.file, fs::perms::others_read, fs::perm_options::add);
    auto refused = find_secret(s);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().is(Errc::config));
    CHECK(refused.error().detail.find("chmod 600") != std::string::npos);
}
