// The reversed session's messages: DATA, BDAT, delivery failures, group
// commit (server_message.cpp).
#include "smtp/server.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/recording_sink.h"
#include "support/reversed_session.h"

// Not `using namespace odmr`: its namespace mail would clash with the
// MAIL command constant.
using namespace odmr::smtp;
using namespace odmr::test::reversed;
using odmr::Errc;
using odmr::test::RecordingSink;

TEST_CASE("a good transaction gets 354 then 250 and the sink gets the unstuffed body") {
    RecordingSink sink;
    auto session = converse(
        ehlo + mail + rcpt + "DATA\r\n" + "Subject: hi\r\n\r\n..dot\r\nbody\r\n.\r\n" + quit, sink,
        config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "Subject: hi\r\n\r\n.dot\r\nbody\r\n");
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].sender == "sender@origin.test");
    CHECK(sink.begun[0].recipients == std::vector<std::string>{"alice@example.org"});
    CHECK(session.has_line_starting("250 2.0.0 OK delivered as " + sink.begun[0].id));
    CHECK(session.report().delivered == 1);
    CHECK(session.report().refused == 0);
    CHECK(session.report().commands == 5);
}

TEST_CASE("the envelope carries a Received header for the one recipient") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nx\r\n.\r\n" + quit, sink, config());
    REQUIRE(sink.begun.size() == 1);
    const auto& received = sink.begun[0].received;
    CHECK(received.starts_with("Received: from provider.test ([127.0.0.1])\r\n"));
    CHECK(received.find("\tby customer.example.org (odmr-fetch) with ESMTP\r\n") !=
          std::string::npos);
    CHECK(received.find("\tid " + sink.begun[0].id) != std::string::npos);
    CHECK(received.find("\tfor <alice@example.org>;") != std::string::npos);
    CHECK(received.ends_with("\r\n"));
}

TEST_CASE("the null reverse-path is accepted and passed on empty") {
    RecordingSink sink;
    auto session = converse(ehlo + "MAIL FROM:<>\r\n" + rcpt + "DATA\r\nbounce\r\n.\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].sender.empty());
}

TEST_CASE("several recipients go into one envelope, duplicates once") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "RCPT TO:<bob@example.com>\r\n" +
                                "RCPT TO:<ALICE@example.org>\r\n" + "DATA\r\nx\r\n.\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].recipients ==
          std::vector<std::string>{"alice@example.org", "bob@example.com"});
}

TEST_CASE("a failed commit gets 451 and nothing counts as delivered") {
    RecordingSink sink;
    sink.fail_commit = Errc::storage;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 451, 221});
    CHECK(session.has_line_starting("451 4.3.0"));
    CHECK(session.report().delivered == 0);
    CHECK(session.report().refused == 1);
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a permanently failed commit gets 554") {
    RecordingSink sink;
    sink.fail_commit = Errc::permanent;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 554, 221});
    CHECK(session.has_line_starting("554 5.3.0"));
    CHECK(session.report().delivered == 0);
}

TEST_CASE("a failed write gets 451 after the body") {
    RecordingSink sink;
    sink.fail_write = true;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 451, 221});
    CHECK(session.report().delivered == 0);
    CHECK(sink.delivered.empty());
}

TEST_CASE("a sink that cannot begin gets 451 instead of 354") {
    RecordingSink sink;
    sink.fail_begin = true;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 451, 221});
    CHECK(session.has_line_starting("451 4.3.0"));
}

TEST_CASE("after DATA could not begin, a new MAIL is accepted") {
    RecordingSink sink;
    sink.fail_begin = true;
    std::string first = ehlo + mail + rcpt + "DATA\r\n";
    auto session = converse(first + mail + rcpt + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 451, 250, 250, 221});
}

TEST_CASE("a body over the size limit is refused with 552 and not delivered") {
    RecordingSink sink;
    std::string body;
    for (int i = 0; i < 30; ++i) body += std::string(48, 'x') + "\r\n";  // 1500 octets
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\n" + body + ".\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 552, 221});
    CHECK(session.has_line_starting("552 5.3.4"));
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
    CHECK(session.report().delivered == 0);
    CHECK(session.report().refused == 1);
}

TEST_CASE("a body exactly at the size limit is accepted") {
    RecordingSink sink;
    std::string body;
    for (int i = 0; i < 20; ++i) body += std::string(48, 'x') + "\r\n";  // 1000 octets
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\n" + body + ".\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == body);
}

TEST_CASE("pipelined MAIL, RCPT and DATA get their replies in order") {
    RecordingSink sink;
    auto session = converse(
        ehlo + mail + rcpt + "RCPT TO:<nobody@elsewhere.test>\r\nDATA\r\n" + "body\r\n.\r\n" + quit,
        sink, config());
    auto lines = session.lines();
    REQUIRE(lines.size() >= 6);
    auto last = lines.end() - 6;  // one line per command after EHLO
    CHECK(last[0].starts_with("250 2.1.0"));
    CHECK(last[1].starts_with("250 2.1.5"));
    CHECK(last[2].starts_with("550 5.7.1"));
    CHECK(last[3].starts_with("354 "));
    CHECK(last[4].starts_with("250 2.0.0"));
    CHECK(last[5].starts_with("221 "));
    CHECK(sink.delivered == std::vector<std::string>{"body\r\n"});
}

TEST_CASE("several messages and QUIT pipelined in one write are all delivered") {
    RecordingSink sink;
    std::string message = mail + rcpt + "DATA\r\n";
    auto session =
        converse(ehlo + message + "one\r\n.\r\n" + message + "two\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 250, 250, 354, 250, 221});
    CHECK(sink.delivered == std::vector<std::string>{"one\r\n", "two\r\n"});
    CHECK(session.report().delivered == 2);
    CHECK(session.report().quit);
}

TEST_CASE("a connection closed in the middle of DATA is an error and the sink is aborted") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\nSubject: cut\r\n\r\npartial", sink, config());
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::connection_lost));
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
    CHECK_FALSE(session.has_line_starting("250 2.0.0"));
}

TEST_CASE("a dot after a bare LF does not end the data, so no command is smuggled") {
    RecordingSink sink;
    std::string smuggled = "MAIL FROM:<evil@origin.test>\r\nRCPT TO:<bob@example.org>\r\n";
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\n.\r\n" + smuggled + ".\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "body\r\n.\r\n" + smuggled);
    CHECK(sink.begun.size() == 1);
}

TEST_CASE("a message line over max_body_line is refused with 552") {
    RecordingSink sink;
    auto c = config();
    c.max_body_line = 100;
    auto session = converse(
        ehlo + mail + rcpt + "DATA\r\n" + std::string(101, 'x') + "\r\n.\r\n" + quit, sink, c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 552, 221});
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a provider that stalls in the middle of DATA gets 421 4.4.2 and the sink is aborted") {
    RecordingSink sink;
    auto c = config();
    c.data_timeout = std::chrono::milliseconds(200);
    auto session = converse(ehlo + mail + rcpt + "DATA\r\npartial\r\n", sink, c, Then::keep_open);
    CHECK(session.has_line_starting("421 4.4.2"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::timeout));
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("BDAT LAST delivers one chunk as the whole message") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 13 LAST\r\nline\r\n.dots\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "line\r\n.dots\r\n");  // BDAT data is never unstuffed
    CHECK(session.report().delivered == 1);
}

TEST_CASE("BDAT chunks are joined and each gets its own reply") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 3\r\nabcBDAT 2 LAST\r\nde" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 221});
    CHECK(session.has_line_starting("250 2.0.0 3 octets received"));
    CHECK(sink.delivered == std::vector<std::string>{"abcde"});
}

TEST_CASE("BDAT without a transaction is refused and its chunk is not read as commands") {
    RecordingSink sink;
    auto session = converse(ehlo + "BDAT 6\r\nQUIT\r\nNOOP\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 503, 250, 221});
    CHECK(session.report().quit);
    CHECK(sink.begun.empty());
}

TEST_CASE("BDAT with no accepted recipient is 554 after its chunk") {
    auto session = converse(ehlo + mail + "BDAT 4 LAST\r\nabcd" + "NOOP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 554, 250, 221});
}

TEST_CASE("a malformed BDAT ends the session, since the chunk cannot be found") {
    auto session = converse(ehlo + mail + rcpt + "BDAT lots\r\nxyz\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 501, 421});
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("a BDAT message over the size limit is refused with 552") {
    RecordingSink sink;
    std::string chunk(1001, 'x');
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 1001 LAST\r\n" + chunk + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 552, 221});
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a connection closed in the middle of a BDAT chunk is an error and the sink is aborted") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 100 LAST\r\nonly some", sink, config());
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::connection_lost));
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("DATA after BODY=BINARYMIME is refused: that body needs BDAT") {
    auto session =
        converse(ehlo + "MAIL FROM:<a@origin.test> BODY=BINARYMIME\r\n" + rcpt + "DATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 503, 221});
}

TEST_CASE("RSET between BDAT chunks abandons the message") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 3\r\nabcRSET\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 221});
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts == 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("a connection closed between BDAT chunks aborts the begun message") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 3\r\nabc", sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250});
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts == 1);
    CHECK(sink.delivered.empty());
    CHECK(session.report().delivered == 0);
}

TEST_CASE("a hostile EHLO name cannot break the Received header") {
    RecordingSink sink;
    auto session = converse("EHLO a(b)\\c\x01\r\n" + mail + rcpt + "DATA\r\nx\r\n.\r\n" + quit,
                            sink, config());
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].received.starts_with("Received: from a?b??c? ([127.0.0.1])\r\n"));
}

// ---- group commit ---------------------------------------------------------

TEST_CASE("pipelined BDAT messages share one sync and each gets its 250 after it") {
    RecordingSink sink;
    sink.batching = true;
    std::string one = mail + rcpt + "BDAT 3 LAST\r\nabc";
    auto session = converse(ehlo + one + one + one + quit, sink, config());
    CHECK(sink.syncs == 1);
    CHECK(sink.delivered.size() == 3);
    CHECK(session.report().delivered == 3);
    CHECK(session.codes() ==
          std::vector<int>{220, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 221});
}

TEST_CASE("a failed group sync answers 451 for every message of the batch, in place") {
    RecordingSink sink;
    sink.batching = true;
    sink.fail_sync = Errc::storage;
    std::string one = mail + rcpt + "BDAT 3 LAST\r\nabc";
    auto session = converse(ehlo + one + one + quit, sink, config());
    CHECK(sink.delivered.empty());
    CHECK(session.report().delivered == 0);
    CHECK(session.report().refused == 2);
    CHECK(session.codes() == std::vector<int>{220, 250, 250, 250, 451, 250, 250, 451, 221});
}

TEST_CASE("messages staged but never acknowledged are withdrawn when the connection drops") {
    RecordingSink sink;
    sink.batching = true;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 3 LAST\r\nabc" + mail + rcpt + "BDAT 10 LAST\r\nabc",
                 sink, config());
    CHECK(sink.delivered.empty());
    CHECK(sink.withdrawals == 1);
    CHECK_FALSE(session.has_line_starting("250 2.0.0 OK delivered"));
}
