#include "deliver/maildir.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/scratch_dir.h"
#include "util/unique_fd.h"

using namespace odmr;
using namespace odmr::deliver;
using odmr::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

const Log quiet(0, nullptr);
const std::string stale_name = "1700000000.M000001P42Q1R0123456789abcdef.host.test";

OpenMaildir must_open(const fs::path& maildir, bool create = true) {
    auto opened = open_maildir(split_trusted(maildir.string(), maildir.string()), create);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message());
    return std::move(*opened);
}

uid_t owner_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_uid;
}

}  // namespace

TEST_CASE("the cleaner removes only stale files named like our own deliveries") {
    ScratchDir dir;
    auto maildir = dir.path / "Maildir";
    auto opened = must_open(maildir);
    for (const char* name : {"dovecot.tmp", "notes.txt", "1700000000.M1P2Q3R4.x"}) {
        test::write_file(maildir / "tmp" / name, "keep");
        test::age_file(maildir / "tmp" / name, 40);
    }
    test::write_file(maildir / "tmp" / stale_name, "dead delivery");
    test::age_file(maildir / "tmp" / stale_name, 40);
    CHECK(clean_stale_tmp(opened, stale_tmp_age, quiet) == 1);
    CHECK_FALSE(fs::exists(maildir / "tmp" / stale_name));
    CHECK(fs::exists(maildir / "tmp" / "dovecot.tmp"));
    CHECK(fs::exists(maildir / "tmp" / "notes.txt"));
    CHECK(fs::exists(maildir / "tmp" / "1700000000.M1P2Q3R4.x"));
}

TEST_CASE("the cleaner never removes through a link") {
    ScratchDir dir;
    auto maildir = dir.path / "Maildir";
    auto opened = must_open(maildir);
    fs::create_directories(dir.path / "precious");
    test::write_file(dir.path / "precious" / "file", "keep");
    test::age_file(dir.path / "precious" / "file", 40);
    fs::create_symlink(dir.path / "precious" / "file", maildir / "tmp" / stale_name);
    test::age_file(maildir / "tmp" / stale_name, 40);
    CHECK(clean_stale_tmp(opened, stale_tmp_age, quiet) == 0);
    CHECK(fs::exists(dir.path / "precious" / "file"));
}

TEST_CASE("a tmp/ that is a link to another directory is not cleaned and not opened") {
    ScratchDir dir;
    auto maildir = dir.path / "Maildir";
    fs::create_directories(maildir / "new");
    fs::create_directories(maildir / "cur");
    fs::create_directories(dir.path / "victim");
    test::write_file(dir.path / "victim" / stale_name, "not ours");
    test::age_file(dir.path / "victim" / stale_name, 40);
    fs::create_directory_symlink(dir.path / "victim", maildir / "tmp");
    CHECK(clean_stale_tmp(maildir.string(), stale_tmp_age, quiet) == 0);
    CHECK(fs::exists(dir.path / "victim" / stale_name));
    auto opened = open_maildir(split_trusted(maildir.string(), maildir.string()), true);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().detail == maildir.string() + "/tmp is a symbolic link: refusing it");
}

TEST_CASE("check_subdirectories names a linked tmp, new or cur") {
    ScratchDir dir;
    fs::create_directories(dir.path / "tmp");
    UniqueFd top(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    CHECK(check_subdirectories(top.get(), "M").ok());
    fs::create_directory_symlink("/", dir.path / "cur");
    auto linked = check_subdirectories(top.get(), "M");
    REQUIRE_FALSE(linked.ok());
    CHECK(linked.error().detail == "M/cur is a symbolic link: refusing it");
    fs::remove(dir.path / "cur");
    test::write_file(dir.path / "new", "a file is for open_maildir() to refuse");
    CHECK(check_subdirectories(top.get(), "M").ok());
}

TEST_CASE("without create, a missing Maildir is an error and nothing is made") {
    ScratchDir dir;
    auto opened = open_maildir({dir.path.string(), {"nobody-here"}}, false);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().is(Errc::storage));
    CHECK_FALSE(fs::exists(dir.path / "nobody-here"));
}

TEST_CASE("as root, tmp, new and cur made in a user's Maildir belong to that user") {
    if (!test::running_as_root()) return;
    ScratchDir dir;
    auto maildir = dir.path / "Maildir";
    fs::create_directories(maildir);
    test::give_to_other_user(maildir);
    auto opened = must_open(maildir);
    CHECK(opened.uid == test::other_uid);
    CHECK(opened.gid == test::other_gid);
    for (const char* sub : {"tmp", "new", "cur"}) CHECK(owner_of(maildir / sub) == test::other_uid);
}

// The file helpers below the Maildir walk.
namespace {

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

TEST_CASE("write_all writes everything, a bad descriptor is a storage error naming the file") {
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

TEST_CASE("publish_file moves a file from tmp/ into new/ under the same name") {
    ScratchDir dir;
    auto opened = must_open(dir.path / "Maildir");
    write_file(dir.path / "Maildir" / "tmp" / "one", "message\n");
    bool moved = false;
    auto published = publish_file(opened, "one", moved);
    REQUIRE_MESSAGE(published.ok(), published.error().message());
    CHECK(read_file(dir.path / "Maildir" / "new" / "one") == "message\n");
    // Linux file systems take renameat2(RENAME_NOREPLACE): nothing is left in tmp/.
    CHECK(moved == !fs::exists(dir.path / "Maildir" / "tmp" / "one"));
}

TEST_CASE("publish_file never replaces a file already in new/") {
    ScratchDir dir;
    auto opened = must_open(dir.path / "Maildir");
    write_file(dir.path / "Maildir" / "tmp" / "one", "ours\n");
    write_file(dir.path / "Maildir" / "new" / "one", "already there\n");
    bool moved = true;
    auto published = publish_file(opened, "one", moved);
    REQUIRE_FALSE(published.ok());
    CHECK(published.error().message().find("/new") != std::string::npos);
    CHECK_FALSE(moved);
    CHECK(read_file(dir.path / "Maildir" / "new" / "one") == "already there\n");
    CHECK(read_file(dir.path / "Maildir" / "tmp" / "one") == "ours\n");
}

TEST_CASE("an opened Maildir knows its file system and whether files must be given away") {
    ScratchDir dir;
    auto opened = must_open(dir.path / "Maildir");
    struct stat st {};
    REQUIRE(::stat((dir.path / "Maildir" / "tmp").c_str(), &st) == 0);
    CHECK(opened.device == st.st_dev);
    // Our own Maildir: a file we create there is already the owner's.
    CHECK_FALSE(opened.give_away);
    if (!test::running_as_root()) return;
    auto theirs = dir.path / "Theirs";
    fs::create_directories(theirs);
    test::give_to_other_user(theirs);
    CHECK(must_open(theirs).give_away);
}
