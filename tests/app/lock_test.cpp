#include "app/lock.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace odmr::app;
using odmr::Errc;
using odmr::Error;
using odmr::make_error;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::string pattern = std::filesystem::temp_directory_path() / "odmr-lock-XXXXXX";
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("the lock directory: systemd's, then XDG_RUNTIME_DIR, then /run, then state") {
    Directories d;
    d.home = "/home/u";
    CHECK(d.lock_directory() == "/home/u/.local/state/odmr-fetch/locks");
    d.xdg_state_home = "/home/u/st";
    CHECK(d.lock_directory() == "/home/u/st/odmr-fetch/locks");
    d.root = true;
    CHECK(d.lock_directory() == "/run/odmr-fetch");
    CHECK(d.state() == "/var/lib/odmr-fetch");
    d.xdg_runtime_dir = "/run/user/1000";
    CHECK(d.lock_directory() == "/run/user/1000/odmr-fetch");
    d.runtime_directory = "/run/odmr-fetch-unit";
    CHECK(d.lock_directory() == "/run/odmr-fetch-unit");
    d.state_directory = "/var/lib/x";
    CHECK(d.state() == "/var/lib/x");
}

TEST_CASE("a second lock on the same account is refused until the first is released") {
    TempDir tmp;
    std::string dir = tmp.path + "/a/b";
    REQUIRE(ensure_private_directory(dir));
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    {
        auto first = try_lock(dir, "example.org");
        REQUIRE(first);
        CHECK(first->held());
        auto second = try_lock(dir, "example.org");
        REQUIRE_FALSE(second);
        CHECK(second.error().is(Errc::temporary));
        CHECK(try_lock(dir, "example.com"));  // another account is not blocked
    }
    CHECK(try_lock(dir, "example.org"));  // released with its owner
}

TEST_CASE("a name that is not a file name cannot be locked") {
    TempDir tmp;
    for (const char* bad : {"", "../x", ".hidden", "a/b"}) {
        auto lock = try_lock(tmp.path, bad);
        REQUIRE_FALSE(lock);
        CHECK(lock.error().is(Errc::config));
    }
}
