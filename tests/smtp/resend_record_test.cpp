#include "smtp/resend_record.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/asio_harness.h"
#include "support/scratch_dir.h"
#include "util/blocking_pool.h"

using odmr::Log;
using odmr::smtp::Digest;
using odmr::smtp::ResendEntry;
using odmr::smtp::ResendLimits;
using odmr::smtp::ResendRecord;
using odmr::smtp::safe_file_name;
using odmr::test::ScratchDir;

namespace {

const Log quiet(0, nullptr);
constexpr std::int64_t now = 1'800'000'000;

Digest digest_of(unsigned char n) {
    Digest d{};
    d.fill(n);
    return d;
}

ResendEntry entry(unsigned char n, std::int64_t when = now) {
    return {digest_of(n), when, "id-" + std::to_string(n)};
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

ResendRecord open_record(const ScratchDir& dir, ResendLimits limits = {}, std::int64_t at = now) {
    auto record = ResendRecord::open(dir.path.string(), "acct.acknowledged", quiet, limits, at);
    REQUIRE_MESSAGE(record.ok(), record.error().message());
    return std::move(*record);
}

}  // namespace

TEST_CASE("an entry added is durable in a 0600 file and found by the next run") {
    ScratchDir dir;
    {
        auto record = open_record(dir);
        CHECK(record.size() == 0);
        std::vector<ResendEntry> batch{entry(1), entry(2)};
        REQUIRE(record.add(batch).ok());
        CHECK(record.contains(digest_of(1)));
        record.end_session(false);  // cut off: the entries stay
    }
    struct stat st {};
    REQUIRE(::stat((dir.path / "acct.acknowledged").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto again = open_record(dir);
    CHECK(again.size() == 2);
    CHECK(again.contains(digest_of(2)));
    CHECK_FALSE(again.contains(digest_of(3)));
}

TEST_CASE("a clean end drops the session's entries and matches, and keeps older ones") {
    ScratchDir dir;
    {
        auto record = open_record(dir);
        std::vector<ResendEntry> old{entry(1), entry(2)};
        REQUIRE(record.add(old).ok());
        record.end_session(false);
    }
    auto record = open_record(dir);
    std::vector<ResendEntry> fresh{entry(3)};
    REQUIRE(record.add(fresh).ok());
    record.matched(digest_of(1));
    record.end_session(true);
    CHECK_FALSE(record.contains(digest_of(1)));
    CHECK(record.contains(digest_of(2)));
    CHECK_FALSE(record.contains(digest_of(3)));
    CHECK(open_record(dir).size() == 1);
    // Appends after the rewrite go to the new file.
    std::vector<ResendEntry> later{entry(4)};
    REQUIRE(record.add(later).ok());
    CHECK(open_record(dir).size() == 2);
}

TEST_CASE("an emptied record is truncated in place") {
    ScratchDir dir;
    auto record = open_record(dir);
    std::vector<ResendEntry> one{entry(1)};
    REQUIRE(record.add(one).ok());
    record.end_session(true);
    CHECK(read(dir.path / "acct.acknowledged").empty());
    REQUIRE(record.add(one).ok());
    CHECK(open_record(dir).size() == 1);
}

TEST_CASE("entries over the age or the count are pruned on load, the newest kept") {
    ScratchDir dir;
    {
        auto record = open_record(dir);
        std::vector<ResendEntry> batch;
        batch.push_back(entry(1, now - 31 * 86400));  // older than 30 days
        for (unsigned char n = 2; n <= 6; ++n) batch.push_back(entry(n));
        REQUIRE(record.add(batch).ok());
    }
    auto record = open_record(dir, ResendLimits{.max_entries = 3});
    CHECK(record.size() == 3);
    CHECK_FALSE(record.contains(digest_of(1)));
    CHECK_FALSE(record.contains(digest_of(3)));
    CHECK(record.contains(digest_of(4)));
    CHECK(record.contains(digest_of(6)));
    // The file itself was rewritten to the bound.
    auto text = read(dir.path / "acct.acknowledged");
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}

TEST_CASE("a torn last line and corrupt lines are ignored, and the file repaired") {
    ScratchDir dir;
    {
        auto record = open_record(dir);
        std::vector<ResendEntry> batch{entry(1), entry(2)};
        REQUIRE(record.add(batch).ok());
    }
    auto path = dir.path / "acct.acknowledged";
    {
        std::ofstream out(path, std::ios::app | std::ios::binary);
        out << "not a line\n" << std::string(64, 'g') << " 5 x\n\x01\x02\x03\n";
        out << "0303030303";  // torn by a crash in the middle of a write
    }
    auto record = open_record(dir);
    CHECK(record.size() == 2);
    std::vector<ResendEntry> third{entry(3)};
    REQUIRE(record.add(third).ok());
    CHECK(open_record(dir).size() == 3);  // not glued to the torn line
    CHECK(read(path).ends_with("\n"));
}

TEST_CASE("a file of garbage is an empty record, never an error") {
    ScratchDir dir;
    {
        std::ofstream out(dir.path / "acct.acknowledged", std::ios::binary);
        for (int i = 0; i < 1000; ++i) out << static_cast<char>(i * 37);
    }
    auto record = open_record(dir);
    CHECK(record.size() == 0);
}

TEST_CASE("a symlink or someone else's file in its place is refused") {
    ScratchDir dir;
    std::filesystem::create_symlink(dir.path / "elsewhere", dir.path / "acct.acknowledged");
    auto record = ResendRecord::open(dir.path.string(), "acct.acknowledged", quiet);
    CHECK_FALSE(record.ok());
    CHECK_FALSE(std::filesystem::exists(dir.path / "elsewhere"));
    std::filesystem::remove(dir.path / "acct.acknowledged");
    std::filesystem::create_directory(dir.path / "acct.acknowledged");
    CHECK_FALSE(ResendRecord::open(dir.path.string(), "acct.acknowledged", quiet).ok());
}

TEST_CASE("account names become safe file names") {
    CHECK(safe_file_name("example.org") == "example.org");
    CHECK(safe_file_name("../etc/passwd") == "_.._etc_passwd");
    CHECK(safe_file_name("a b/c") == "a_b_c");
    CHECK(safe_file_name(".hidden") == "_.hidden");
    CHECK(safe_file_name("") == "_");
}

TEST_CASE("entries stored through a pool are durable and found, as with add()") {
    ScratchDir dir;
    odmr::BlockingPool pool(1);
    {
        auto record = open_record(dir);
        record.flush_on(&pool);
        CHECK(record.flushes_on_pool());
        std::vector<ResendEntry> batch{entry(5), entry(6)};
        REQUIRE(odmr::test::run(record.store(batch)).ok());
        CHECK(record.contains(digest_of(5)));
        CHECK(record.contains(digest_of(6)));
        record.end_session(false);
    }
    auto again = open_record(dir);
    CHECK(again.size() == 2);
    CHECK(again.contains(digest_of(6)));
}
