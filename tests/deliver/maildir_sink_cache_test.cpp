// MaildirSink's per-run cache of what RCPT checks (deliver/maildir_sink.h):
// a Maildir opened in this run is vetted through its open descriptors, the
// result of the safe walk, and its free space through deliver/room_cache.
#include <doctest/doctest.h>

#include <filesystem>
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

}  // namespace

TEST_CASE("a link swapped in for a Maildir already opened carries nothing") {
    ScratchDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    CHECK_FALSE(check(sink, "alice@example.org").has_value());
    REQUIRE(deliver_one(sink, to("alice@example.org")).ok());
    fs::rename(dir.path / "alice", dir.path / "alice.old");
    fs::create_directories(dir.path / "victim" / "new");
    fs::create_directories(dir.path / "victim" / "tmp");
    fs::create_directory_symlink(dir.path / "victim", dir.path / "alice");
    CHECK_FALSE(check(sink, "alice@example.org").has_value());  // the open descriptors answer
    REQUIRE(deliver_one(sink, to("alice@example.org")).ok());
    CHECK(count(dir.path / "victim" / "new") == 0);
    CHECK(count(dir.path / "victim" / "tmp") == 0);
    CHECK(count(dir.path / "alice.old" / "new") == 2);
}

TEST_CASE("a Maildir already opened is still refused what its file system cannot hold") {
    ScratchDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    REQUIRE(deliver_one(sink, to("alice@example.org")).ok());
    auto reply = check(sink, "alice@example.org", std::uint64_t{1} << 60);
    REQUIRE(reply.has_value());
    CHECK(reply->code == 452);
    CHECK_FALSE(check(sink, "alice@example.org", 1000).has_value());
    CHECK_FALSE(check(sink, "bob@example.org", 1000).has_value());  // not opened: walked
}
