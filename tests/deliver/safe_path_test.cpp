#include "deliver/safe_path.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/scratch_dir.h"

using namespace odmr;
using namespace odmr::deliver;
using odmr::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

uid_t owner_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_uid;
}

}  // namespace

TEST_CASE("split_trusted starts the walk where the pattern's placeholders begin") {
    auto routed = split_trusted("/srv/mail/{domain}/{local}", "/srv/mail/example.org/alice");
    CHECK(routed.start == "/srv/mail");
    CHECK(routed.below == std::vector<std::string>{"example.org", "alice"});
    auto infix = split_trusted("/srv/mail-{local}/x", "/srv/mail-alice/x");
    CHECK(infix.start == "/srv");
    CHECK(infix.below == std::vector<std::string>{"mail-alice", "x"});
    auto fixed = split_trusted("/home/alice/Maildir", "/home/alice/Maildir");
    CHECK(fixed.start == "/home/alice");
    CHECK(fixed.below == std::vector<std::string>{"Maildir"});
    CHECK(split_trusted("/{local}", "/bob").start == "/");
    CHECK(split_trusted("Maildir", "Maildir").start == ".");
    CHECK(routed.full() == "/srv/mail/example.org/alice");
}

TEST_CASE("walk_existing stops at the first missing component") {
    ScratchDir dir;
    fs::create_directories(dir.path / "a");
    auto walked = walk_existing({dir.path.string(), {"a", "b", "c"}});
    REQUIRE(walked.ok());
    CHECK(walked->reached == 1);
    CHECK(walked->dir.valid());
}

TEST_CASE("make_path creates the missing directories, mode 0700") {
    ScratchDir dir;
    auto made = make_path({(dir.path / "start").string(), {"a", "b"}});
    REQUIRE(made.ok());
    CHECK(fs::is_directory(dir.path / "start" / "a" / "b"));
    struct stat st {};
    REQUIRE(::stat((dir.path / "start" / "a" / "b").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
}

TEST_CASE("a link of our own below the start is followed") {
    ScratchDir dir;
    fs::create_directories(dir.path / "real" / "alice");
    fs::create_directory_symlink(dir.path / "real", dir.path / "alias");
    auto walked = walk_existing({dir.path.string(), {"alias", "alice"}});
    REQUIRE(walked.ok());
    CHECK(walked->reached == 2);
}

TEST_CASE("a link placed by another user in a path component is refused") {
    if (!test::running_as_root()) return;  // only root can make a link belong to another user
    ScratchDir dir;
    fs::create_directories(dir.path / "example.org");
    fs::create_directories(dir.path / "victim");
    test::give_to_other_user(dir.path / "example.org");
    fs::create_directory_symlink(dir.path / "victim", dir.path / "example.org" / "alice");
    test::give_to_other_user(dir.path / "example.org" / "alice");
    auto walked = walk_existing({dir.path.string(), {"example.org", "alice"}});
    REQUIRE(walked.ok());
    CHECK(walked->reached == 1);
    REQUIRE(walked->refused.has_value());
    CHECK(walked->refused->detail.find("symbolic link owned by uid 65534") != std::string::npos);
    auto made = make_path({dir.path.string(), {"example.org", "alice", "Maildir"}});
    REQUIRE_FALSE(made.ok());
    CHECK(fs::is_empty(dir.path / "victim"));
}

TEST_CASE("open_subdirectory refuses a link, even one of our own") {
    ScratchDir dir;
    fs::create_directories(dir.path / "elsewhere");
    fs::create_directory_symlink(dir.path / "elsewhere", dir.path / "new");
    UniqueFd top(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    auto opened = open_subdirectory(top.get(), "new", true, "x/new");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().is(Errc::storage));
    CHECK(opened.error().detail == "x/new is a symbolic link: refusing it");
}

TEST_CASE("as root, a directory the walk creates belongs to the owner of its parent") {
    if (!test::running_as_root()) return;
    ScratchDir dir;
    fs::create_directories(dir.path / "example.org");
    test::give_to_other_user(dir.path / "example.org");
    REQUIRE(make_path({dir.path.string(), {"example.org", "alice"}}).ok());
    CHECK(owner_of(dir.path / "example.org" / "alice") == test::other_uid);
    REQUIRE(make_path({dir.path.string(), {"rootowned"}}).ok());
    CHECK(owner_of(dir.path / "rootowned") == 0);
}
