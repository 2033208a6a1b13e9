#include "deliver/maildir.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "util/unique_fd.h"

using namespace odmr;
using namespace odmr::deliver;
namespace fs = std::filesystem;

namespace {

const Log quiet(0, nullptr);

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-maildir-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string read_file(const fs::path& path) {
    std::ostringstream out;
    out << std::ifstream(path).rdbuf();
    return out.str();
}

// Sets both access and modification time `age` seconds into the past.
void age_file(const fs::path& path, std::time_t age) {
    struct timespec times[2] = {{std::time(nullptr) - age, 0}, {std::time(nullptr) - age, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("ensure_maildir makes the path and cur/ new/ tmp/, private to the user") {
    TempDir dir;
    fs::path maildir = dir.path / "a/b/Maildir";
    REQUIRE(ensure_maildir(maildir.string()).ok());
    for (const char* sub : {"cur", "new", "tmp"}) {
        struct stat st {};
        REQUIRE(::stat((maildir / sub).c_str(), &st) == 0);
        CHECK(S_ISDIR(st.st_mode));
        CHECK((st.st_mode & 0777) == 0700);
    }
    CHECK(ensure_maildir(maildir.string()).ok());  // again: nothing to do
}

TEST_CASE("a file where the Maildir should be is a storage error") {
    TempDir dir;
    write_file(dir.path / "file", "x");
    auto made = ensure_maildir((dir.path / "file").string());
    REQUIRE_FALSE(made.ok());
    CHECK(made.error().is(Errc::storage));
    CHECK_FALSE(ensure_maildir((dir.path / "file/Maildir").string()).ok());
}

TEST_CASE("only regular files in tmp/ untouched for the maximum age are removed") {
    TempDir dir;
    REQUIRE(ensure_maildir(dir.path.string()).ok());
    fs::path tmp = dir.path / "tmp";
    write_file(tmp / "stale", "old");
    write_file(tmp / "fresh", "new");
    fs::create_directory(tmp / "subdir");
    age_file(tmp / "stale", 37 * 3600);
    age_file(tmp / "subdir", 37 * 3600);
    write_file(dir.path / "new/delivered", "keep");
    age_file(dir.path / "new/delivered", 37 * 3600);
    CHECK(clean_stale_tmp(dir.path.string(), stale_tmp_age, quiet) == 1);
    CHECK_FALSE(fs::exists(tmp / "stale"));
    CHECK(fs::exists(tmp / "fresh"));
    CHECK(fs::exists(tmp / "subdir"));
    CHECK(fs::exists(dir.path / "new/delivered"));
    CHECK(clean_stale_tmp((dir.path / "missing").string(), stale_tmp_age, quiet) == 0);
}

TEST_CASE("write_all writes everything; a bad descriptor is a storage error naming the file") {
    TempDir dir;
    fs::path path = dir.path / "out";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(fd.valid());
    std::string big(300 * 1024, 'x');
    REQUIRE(write_all(fd.get(), big, "out").ok());
    CHECK(fs::file_size(path) == big.size());
    auto failed = write_all(-1, "x", "the test file");
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().is(Errc::storage));
    CHECK(failed.error().detail.find("the test file") != std::string::npos);
}

TEST_CASE("copy_range copies exactly the range asked for, and fails on a short source") {
    TempDir dir;
    write_file(dir.path / "from", "0123456789");
    UniqueFd from(::open((dir.path / "from").c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd to(::open((dir.path / "to").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(from.valid());
    REQUIRE(to.valid());
    REQUIRE(write_all(to.get(), "head:", "to").ok());
    REQUIRE(copy_range(from.get(), 2, 5, to.get(), "to").ok());
    CHECK(read_file(dir.path / "to") == "head:23456");
    auto short_source = copy_range(from.get(), 8, 5, to.get(), "to");
    REQUIRE_FALSE(short_source.ok());
    CHECK(short_source.error().is(Errc::storage));
}

TEST_CASE("fsync_directory syncs a directory and reports one that is not there") {
    TempDir dir;
    CHECK(fsync_directory(dir.path.string()).ok());
    auto missing = fsync_directory((dir.path / "missing").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().is(Errc::storage));
}
