// MaildirSink against a local user who owns part of a routed Maildir path,
// and the per-recipient checks at RCPT (deliver/maildir_sink.h).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <span>
#include <string>

#include "deliver/maildir_sink.h"
#include "support/asio_harness.h"
#include "support/scratch_dir.h"

using namespace odmr;
using namespace odmr::deliver;
using odmr::mail::Envelope;
using odmr::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

const Log quiet(0, nullptr);

Envelope to(std::string recipient) {
    Envelope e;
    e.sender = "sender@origin.test";
    e.recipients = {std::move(recipient)};
    e.received = "Received: from provider.test\r\n\tby customer.test\r\n";
    e.id = "abc123";
    return e;
}

Status deliver_one(MaildirSink& sink, const Envelope& e) {
    if (auto begun = test::run(sink.begin(e)); !begun) return begun;
    std::string_view body = "Subject: x\r\n\r\nbody\r\n";
    if (auto w = test::run(sink.write({body.data(), body.size()})); !w) return w;
    if (auto c = test::run(sink.commit()); !c) return c;
    return test::run(sink.sync());
}

std::size_t count(const fs::path& dir) {
    std::error_code ec;
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir, ec), fs::directory_iterator()));
}

std::optional<mail::Reply> check(MaildirSink& sink, const std::string& recipient,
                                 std::uint64_t size = 0) {
    return test::run(sink.check_recipient(recipient, size));
}

// A user's Maildir whose `sub` (tmp or new) points at `victim`.
void link_subdirectory(const fs::path& maildir, const std::string& sub, const fs::path& victim) {
    for (const char* name : {"tmp", "new", "cur"})
        if (name != sub) fs::create_directories(maildir / name);
    fs::create_directories(victim);
    fs::create_directory_symlink(victim, maildir / sub);
}

}  // namespace

TEST_CASE("a new/ that is a link is refused: nothing is published through it") {
    ScratchDir dir;
    link_subdirectory(dir.path / "alice", "new", dir.path / "victim");
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    auto reply = check(sink, "alice@example.org");
    REQUIRE(reply.has_value());
    CHECK(reply->code == 450);
    auto status = deliver_one(sink, to("alice@example.org"));
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().is(Errc::storage));
    CHECK(status.error().detail.find("new is a symbolic link") != std::string::npos);
    CHECK(count(dir.path / "victim") == 0);
    CHECK(count(dir.path / "alice" / "tmp") == 0);
}

TEST_CASE("a tmp/ that is a link is refused: the cleaner and the writer stay out") {
    ScratchDir dir;
    link_subdirectory(dir.path / "alice", "tmp", dir.path / "victim");
    std::string stale = "1700000000.M000001P42Q1R0123456789abcdef.host";
    test::write_file(dir.path / "victim" / stale, "not ours");
    test::age_file(dir.path / "victim" / stale, 40);
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    REQUIRE_FALSE(deliver_one(sink, to("alice@example.org")).ok());
    CHECK(fs::exists(dir.path / "victim" / stale));
    CHECK(count(dir.path / "victim") == 1);
    CHECK(count(dir.path / "alice" / "new") == 0);
}

TEST_CASE("a recipient whose Maildir name is too long is refused alone with 553") {
    ScratchDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    auto reply = check(sink, std::string(300, 'a') + "@example.org");
    REQUIRE(reply.has_value());
    CHECK(reply->code == 553);
    CHECK(reply->enhanced == "5.1.3");
    CHECK_FALSE(check(sink, "bob@example.org").has_value());
    REQUIRE(deliver_one(sink, to("bob@example.org")).ok());
    CHECK(count(dir.path / "bob" / "new") == 1);
}

TEST_CASE("existing-only: a recipient without a Maildir gets 550 and nothing is created") {
    ScratchDir dir;
    fs::create_directories(dir.path / "example.org" / "alice");
    MaildirSink sink((dir.path / "{domain}" / "{local}").string(), "customer.test", quiet,
                     {.existing_only = true});
    auto reply = check(sink, "mallory@example.org");
    REQUIRE(reply.has_value());
    CHECK(reply->code == 550);
    CHECK(reply->enhanced == "5.1.1");
    CHECK_FALSE(check(sink, "alice@example.org").has_value());
    CHECK_FALSE(deliver_one(sink, to("mallory@example.org")).ok());
    CHECK_FALSE(fs::exists(dir.path / "example.org" / "mallory"));
    REQUIRE(deliver_one(sink, to("alice@example.org")).ok());
    CHECK(count(dir.path / "example.org" / "alice" / "new") == 1);
}

TEST_CASE("without existing-only, a missing Maildir is accepted and created") {
    ScratchDir dir;
    MaildirSink sink((dir.path / "{domain}" / "{local}").string(), "customer.test", quiet);
    CHECK_FALSE(check(sink, "carol@example.org").has_value());
    REQUIRE(deliver_one(sink, to("carol@example.org")).ok());
    CHECK(count(dir.path / "example.org" / "carol" / "new") == 1);
}

TEST_CASE("a declared size the file system cannot hold is refused with 452 4.3.1") {
    ScratchDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    auto reply = check(sink, "alice@example.org", std::uint64_t{1} << 60);
    REQUIRE(reply.has_value());
    CHECK(reply->code == 452);
    CHECK(reply->enhanced == "4.3.1");
    CHECK_FALSE(check(sink, "alice@example.org", 1000).has_value());
}

TEST_CASE("as root, delivered files belong to the owner of the Maildir") {
    if (!test::running_as_root()) return;
    ScratchDir dir;
    fs::create_directories(dir.path / "alice");
    test::give_to_other_user(dir.path / "alice");
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    REQUIRE(deliver_one(sink, to("alice@example.org")).ok());
    REQUIRE(count(dir.path / "alice" / "new") == 1);
    for (const auto& file : fs::directory_iterator(dir.path / "alice" / "new")) {
        struct stat st {};
        REQUIRE(::lstat(file.path().c_str(), &st) == 0);
        CHECK(st.st_uid == test::other_uid);
        CHECK(st.st_gid == test::other_gid);
        CHECK((st.st_mode & 07777) == 0600);
    }
}

TEST_CASE("as root, a user's link in place of their Maildir is refused at RCPT and at delivery") {
    if (!test::running_as_root()) return;
    ScratchDir dir;
    fs::create_directories(dir.path / "example.org");
    test::give_to_other_user(dir.path / "example.org");
    fs::create_directories(dir.path / "victim" / "new");
    fs::create_directory_symlink(dir.path / "victim", dir.path / "example.org" / "alice");
    test::give_to_other_user(dir.path / "example.org" / "alice");
    MaildirSink sink((dir.path / "{domain}" / "{local}").string(), "customer.test", quiet);
    auto reply = check(sink, "alice@example.org");
    REQUIRE(reply.has_value());
    CHECK(reply->code == 450);
    CHECK_FALSE(deliver_one(sink, to("alice@example.org")).ok());
    CHECK(count(dir.path / "victim" / "new") == 0);
}

TEST_CASE("routed Maildirs store one copy per recipient, a single Maildir one per message") {
    MaildirSink one("/nonexistent/Maildir", "customer.test", quiet);
    CHECK(one.copies(100) == 1);
    MaildirSink routed("/nonexistent/{domain}/{local}", "customer.test", quiet);
    CHECK(routed.copies(100) == 100);
}
