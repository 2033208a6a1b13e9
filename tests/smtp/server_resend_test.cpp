// Duplicate suppression in the reversed session: a message whose 250 the
// provider may not have read is recorded before that 250, and the same
// message sent again is answered 250 without reaching the sink.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "smtp/resend_record.h"
#include "support/recording_sink.h"
#include "support/reversed_session.h"
#include "support/scratch_dir.h"

using namespace odmr::smtp;
using namespace odmr::test::reversed;
using odmr::Errc;
using odmr::Result;
using odmr::test::RecordingSink;
using odmr::test::ScratchDir;

namespace {

std::string message(const std::string& queue_id, const std::string& body = "Hello.\r\n") {
    return "Received: from origin.test by provider.odmr.test with esmtp (Exim 4.99.1)\r\n"
           "\tid " +
           queue_id +
           "\r\n\tfor alice@example.org; Tue, 01 Dec 2026 11:00:00 +0000\r\n"
           "Subject: test\r\n\r\n" +
           body;
}

std::string with_data(const std::string& text) {
    return mail + rcpt + "DATA\r\n" + text + ".\r\n";
}

std::string with_bdat(const std::string& text) {
    return mail + rcpt + "BDAT " + std::to_string(text.size()) + " LAST\r\n" + text;
}

asio::awaitable<Result<SessionReport>> serve_recorded(odmr::net::Stream& stream,
                                                      RecordingSink& sink, ResendRecord& record) {
    odmr::net::Reader reader(stream);
    const ServerConfig limits = config();  // the server keeps a reference
    Server server(reader, sink, limits, quiet, &record);
    auto result = co_await server.run();
    stream.close();
    co_return result;
}

// One session against `record`; `then`: how the provider ends it.
Session converse_recorded(std::string input, RecordingSink& sink, ResendRecord& record,
                          Then then = Then::half_close) {
    asio::io_context io;
    auto [client, server_socket] = odmr::test::loopback_pair(io);
    odmr::net::Stream stream(std::move(server_socket));
    Session session;
    odmr::test::spawn(io, serve_recorded(stream, sink, record), session.result);
    odmr::test::spawn(io, provide(client, std::move(input), then, session.received));
    odmr::test::run_all(io);
    REQUIRE(session.result.has_value());
    return session;
}

ResendRecord open_record(const ScratchDir& dir) {
    auto record = ResendRecord::open(dir.path.string(), "acct", quiet);
    REQUIRE_MESSAGE(record.ok(), record.error().message());
    return std::move(*record);
}

std::string file_text(const ScratchDir& dir) {
    std::ifstream in(dir.path / "acct");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("a message sent again after a cut-off session is answered 250 and not stored") {
    for (bool batching : {false, true}) {
        for (bool chunks : {false, true}) {
            CAPTURE(batching);
            CAPTURE(chunks);
            ScratchDir dir;
            auto record = open_record(dir);
            RecordingSink sink;
            sink.batching = batching;
            auto body = message("1vQ2Ab-000123-4x");
            auto wire = chunks ? with_bdat(body) : with_data(body);
            // The provider never says QUIT: it may not have read our 250.
            auto first = converse_recorded(ehlo + wire, sink, record);
            CHECK(first.report().delivered == 1);
            CHECK(sink.delivered.size() == 1);
            CHECK(file_text(dir).find(" 1vQ2Ab-000123-4x\n") != std::string::npos);

            auto second = converse_recorded(ehlo + wire + quit, sink, record);
            CHECK(second.report().delivered == 0);
            CHECK(second.report().duplicates == 1);
            CHECK(second.codes().back() == 221);
            CHECK(second.has_line_starting("250 2.0.0 OK already delivered"));
            CHECK(sink.delivered.size() == 1);
            CHECK(sink.aborts >= 1);
            // That session ended cleanly: the provider heard this 250.
            CHECK(record.size() == 0);
        }
    }
}

TEST_CASE("a clean session leaves no entry, an identical body with another queue id is new") {
    ScratchDir dir;
    auto record = open_record(dir);
    RecordingSink sink;
    auto session = converse_recorded(ehlo + with_data(message("1aaaaa-000001-AA")) +
                                         with_data(message("1aaaaa-000002-AA")) + quit,
                                     sink, record);
    CHECK(session.report().delivered == 2);
    CHECK(session.report().duplicates == 0);
    CHECK(sink.delivered.size() == 2);
    CHECK(record.size() == 0);
    CHECK(file_text(dir).empty());
}

TEST_CASE("a message without the provider's Received field is never suppressed") {
    ScratchDir dir;
    auto record = open_record(dir);
    RecordingSink sink;
    auto plain = with_data("Subject: no trace\r\n\r\nbody\r\n");
    converse_recorded(ehlo + plain, sink, record);
    auto second = converse_recorded(ehlo + plain + quit, sink, record);
    CHECK(second.report().delivered == 1);
    CHECK(sink.delivered.size() == 2);
    CHECK(record.size() == 0);
}

TEST_CASE("nothing is recorded for a message whose delivery failed") {
    ScratchDir dir;
    auto record = open_record(dir);
    SUBCASE("commit fails") {
        RecordingSink sink;
        sink.fail_commit = Errc::storage;
        auto session = converse_recorded(ehlo + with_data(message("1x-1")), sink, record);
        CHECK(session.codes().back() == 451);
    }
    SUBCASE("the group commit's sync fails") {
        RecordingSink sink;
        sink.batching = true;
        sink.fail_sync = Errc::storage;
        auto session = converse_recorded(ehlo + with_data(message("1x-1")), sink, record);
        CHECK(session.codes().back() == 451);
    }
    CHECK(record.size() == 0);
    CHECK(file_text(dir).empty());
}

TEST_CASE("a batch of pipelined messages is recorded in one write after the sync") {
    ScratchDir dir;
    auto record = open_record(dir);
    RecordingSink sink;
    sink.batching = true;
    auto session = converse_recorded(
        ehlo + with_bdat(message("1b-1")) + with_bdat(message("1b-2")) + with_bdat(message("1b-3")),
        sink, record);
    CHECK(session.report().delivered == 3);
    CHECK(sink.syncs == 1);
    CHECK(record.size() == 3);
    auto text = file_text(dir);
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}
