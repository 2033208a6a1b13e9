// The reversed session: greeting, envelope commands, limits and errors.
// DATA, BDAT and group commit are in server_message_test.cpp.
#include "smtp/server.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <memory>

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

TEST_CASE("the session opens with a 220 greeting naming us") {
    auto session = converse(quit);
    REQUIRE_FALSE(session.lines().empty());
    CHECK(session.lines()[0] == "220 customer.example.org ESMTP odmr-fetch ready");
}

TEST_CASE("EHLO advertises its extensions but never STARTTLS or AUTH") {
    auto session = converse(ehlo + quit);
    auto lines = session.lines();
    REQUIRE(lines.size() >= 3);
    CHECK(lines[1] == "250-customer.example.org Hello provider.test");
    CHECK(session.has_line_starting("250-PIPELINING"));
    CHECK(session.has_line_starting("250-SIZE 1000"));
    CHECK(session.has_line_starting("250-8BITMIME"));
    CHECK(session.has_line_starting("250-CHUNKING"));
    CHECK(session.has_line_starting("250-SMTPUTF8"));
    CHECK(session.has_line_starting("250-DSN"));
    for (const auto& line : session.lines()) {
        CAPTURE(line);
        CHECK(line.find("STARTTLS") == std::string::npos);
        CHECK(line.find("AUTH") == std::string::npos);
    }
    CHECK(session.codes() == Codes{220, 250, 221});
}

TEST_CASE("QUIT gets 221 and the report says so") {
    auto session = converse(ehlo + quit);
    CHECK(session.lines().back() == "221 2.0.0 customer.example.org closing connection");
    CHECK(session.report().quit);
    CHECK(session.report().commands == 2);
}

TEST_CASE("commands after QUIT are not answered") {
    auto session = converse(quit + "NOOP\r\n");
    CHECK(session.codes() == Codes{220, 221});
}

TEST_CASE("MAIL before EHLO is 503") {
    auto session = converse(mail + quit);
    CHECK(session.codes() == Codes{220, 503, 221});
    CHECK(session.has_line_starting("503 5.5.1"));
}

TEST_CASE("RCPT before MAIL is 503") {
    auto session = converse(ehlo + rcpt + quit);
    CHECK(session.codes() == Codes{220, 250, 503, 221});
}

TEST_CASE("DATA without MAIL is 503") {
    auto session = converse(ehlo + "DATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 503, 221});
}

TEST_CASE("DATA after MAIL but before any accepted RCPT is 554") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + "DATA\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 554, 221});
    CHECK(sink.begun.empty());
}

TEST_CASE("a nested MAIL is 503") {
    auto session = converse(ehlo + mail + mail + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 503, 221});
}

TEST_CASE("a recipient outside the requested domains is refused with 550 5.7.1") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + "RCPT TO:<bob@elsewhere.test>\r\n" + "DATA\r\n" + quit,
                            sink, config());
    CHECK(session.has_line_starting("550 5.7.1"));
    CHECK(session.codes() == Codes{220, 250, 250, 550, 554, 221});
    CHECK(sink.begun.empty());
}

TEST_CASE("a subdomain of a requested domain is not accepted") {
    auto session = converse(ehlo + mail + "RCPT TO:<bob@sub.example.org>\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 550, 221});
}

TEST_CASE("recipient domains match case-insensitively") {
    auto session = converse(ehlo + mail + "RCPT TO:<Bob@EXAMPLE.Com>\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 221});
}

TEST_CASE("a declared SIZE over the limit is refused with 552") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=1001\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 552, 221});
    CHECK(session.has_line_starting("552 5.3.4"));
}

TEST_CASE("a declared SIZE within the limit and BODY=8BITMIME are accepted") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=1000 BODY=8BITMIME\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 221});
}

TEST_CASE("a malformed SIZE is a syntax error") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=12k\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 501, 221});
}

TEST_CASE("MAIL with an unknown parameter gets 555") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> XFOO=1\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 555, 221});
}

TEST_CASE("ESMTP parameters are refused after HELO") {
    auto session = converse("HELO provider.test\r\nMAIL FROM:<a@origin.test> SIZE=10\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 555, 221});
}

TEST_CASE("an unknown command is 500") {
    auto session = converse(ehlo + "XYZZY\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 500, 221});
    CHECK(session.has_line_starting("500 5.5.2"));
}

TEST_CASE("commands we do not offer are 502") {
    auto session = converse(ehlo + "STARTTLS\r\nAUTH PLAIN\r\nEXPN x\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 502, 502, 502, 221});
}

TEST_CASE("NOOP, RSET, VRFY and HELP are answered") {
    auto session = converse(ehlo + "NOOP\r\nRSET\r\nVRFY alice\r\nHELP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 252, 214, 221});
}

TEST_CASE("RSET forgets the transaction") {
    auto session = converse(ehlo + mail + rcpt + "RSET\r\nDATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 503, 221});
}

TEST_CASE("EHLO without a domain is 501") {
    auto session = converse("EHLO\r\n" + quit);
    CHECK(session.codes() == Codes{220, 501, 221});
}

TEST_CASE("a command line over the length limit is 500 and the session goes on") {
    auto session = converse(ehlo + "NOOP " + std::string(1500, 'a') + "\r\n" + "NOOP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 500, 250, 221});
    CHECK(session.has_line_starting("500 5.5.2 Line too long"));
}

TEST_CASE("too many erroneous commands get 421 and end the session") {
    auto c = config();
    c.max_errors = 3;
    auto session = converse("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n", c);
    CHECK(session.codes() == Codes{220, 500, 500, 500, 421});
    CHECK(session.has_line_starting("421 4.7.0"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("a connection closed before any command is not an error") {
    auto session = converse("");
    CHECK(session.codes() == Codes{220});
    CHECK(session.report().commands == 0);
    CHECK(session.report().delivered == 0);
    CHECK_FALSE(session.report().quit);
}

TEST_CASE("a connection closed between commands ends the session without error") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt, sink, config());
    CHECK(session.report().commands == 3);
    CHECK(session.report().delivered == 0);
    CHECK(sink.begun.empty());
}

TEST_CASE("a per-recipient sink takes one recipient per transaction") {
    RecordingSink sink;
    sink.per_recipient = true;
    auto session =
        converse(ehlo + mail + rcpt + "RCPT TO:<bob@example.org>\r\n" + "DATA\r\nx\r\n.\r\n" + quit,
                 sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 452, 354, 250, 221});
    CHECK(session.has_line_starting("452 4.5.3"));
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].recipients == std::vector<std::string>{"alice@example.org"});
}

TEST_CASE("recipients beyond max_recipients get 452") {
    auto c = config();
    c.max_recipients = 2;
    auto session = converse(ehlo + mail + "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n" +
                                "RCPT TO:<c@example.org>\r\n" + quit,
                            c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 452, 221});
}

TEST_CASE("a provider that stops sending commands gets 421 4.4.2 after the command timeout") {
    RecordingSink sink;
    auto c = config();
    c.command_timeout = std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    auto session = converse(ehlo, sink, c, Then::keep_open);
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(session.codes() == Codes{220, 250, 421});
    CHECK(session.has_line_starting("421 4.4.2"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::timeout));
    CHECK(elapsed >= std::chrono::milliseconds(200));
    CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("the session time limit ends even a busy session with 421") {
    auto c = config();
    c.session_timeout = std::chrono::milliseconds(200);
    RecordingSink sink;
    auto session = converse(ehlo, sink, c, Then::keep_open);
    CHECK(session.codes() == Codes{220, 250, 421});
    CHECK(session.has_line_starting("421 4.4.2 customer.example.org Session time limit reached"));
}

TEST_CASE("more commands than max_commands end the session with 421") {
    auto c = config();
    c.max_commands = 3;
    auto session = converse(ehlo + "NOOP\r\nNOOP\r\nNOOP\r\n" + quit, c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 421});
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("a non-ASCII address needs SMTPUTF8") {
    auto without = converse(ehlo + "MAIL FROM:<j\xc3\xb6rg@origin.test>\r\n" + quit);
    CHECK(without.codes() == Codes{220, 250, 553, 221});
    CHECK(without.has_line_starting("553 5.6.7"));

    auto with = converse(ehlo + "MAIL FROM:<j\xc3\xb6rg@origin.test> SMTPUTF8\r\n" +
                         "RCPT TO:<m\xc3\xbcller@example.org>\r\n" + quit);
    CHECK(with.codes() == Codes{220, 250, 250, 250, 221});
}

TEST_CASE("a malformed UTF-8 address is refused even with SMTPUTF8") {
    auto session = converse(ehlo + "MAIL FROM:<j\xc3@origin.test> SMTPUTF8\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 553, 221});
}

TEST_CASE("DSN parameters on RCPT are accepted, unknown ones refused") {
    auto session = converse(ehlo + mail +
                            "RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE "
                            "ORCPT=rfc822;alice@example.org\r\n" +
                            "RCPT TO:<bob@example.org> XFOO\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 555, 221});
}

TEST_CASE("QUIT in the middle of a transaction aborts nothing that was begun") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + quit, sink, config());
    CHECK(session.report().quit);
    CHECK(sink.begun.empty());
    CHECK(sink.aborts == 0);
}

TEST_CASE("at -vv every change of the session's state is logged") {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
    odmr::Log verbose(3, file.get());
    RecordingSink sink;
    (void)converse(ehlo + mail + rcpt + "DATA\r\nx\r\n.\r\n" + quit, sink, config(),
                   Then::half_close, verbose);
    std::string log(65536, '\0');
    std::rewind(file.get());
    log.resize(std::fread(log.data(), 1, log.size(), file.get()));
    for (const char* step :
         {"greeted -> ready", "ready -> mail", "mail -> rcpt", "rcpt -> ready", "ready -> done"}) {
        CAPTURE(step);
        CHECK(log.find(std::string("reversed session: ") + step) != std::string::npos);
    }
}

TEST_CASE("the sink can refuse one recipient at RCPT, the others are delivered") {
    RecordingSink sink;
    sink.refused_recipient = "bob@example.org";
    auto session = converse(ehlo + "MAIL FROM:<sender@origin.test> SIZE=321\r\n" +
                                "RCPT TO:<bob@example.org>\r\n" + rcpt + "DATA\r\n" +
                                "Subject: hi\r\n\r\nbody\r\n.\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 553, 250, 354, 250, 221});
    CHECK(session.has_line_starting("553 5.1.3 Refused by the test sink"));
    CHECK(sink.declared_size_seen == 321);
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].recipients == std::vector<std::string>{"alice@example.org"});
}

TEST_CASE("toward a relaying sink a routing address is refused with 550 5.7.1") {
    auto relaying = config();
    relaying.refuse_routing_addresses = true;
    const std::string routed = "RCPT TO:<v%victim.test@example.org>\r\n";
    auto session = converse(ehlo + mail + routed + rcpt + quit, relaying);
    CHECK(session.codes() == Codes{220, 250, 250, 550, 250, 221});
    CHECK(session.has_line_starting("550 5.7.1 Relaying denied: routing address"));
    // Toward Maildir (the option off) the same address is a recipient like any other.
    CHECK(converse(ehlo + mail + routed + quit).codes() == Codes{220, 250, 250, 250, 221});
}

TEST_CASE("a sender the sink refuses at MAIL gets the sink's reply, and no transaction starts") {
    RecordingSink sink;
    sink.refused_sender = "-oQ/tmp/x@evil.test";
    auto session =
        converse(ehlo + "MAIL FROM:<-oQ/tmp/x@evil.test>\r\n" + rcpt + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 553, 503, 221});
    CHECK(session.has_line_starting("553 5.1.7"));
}

TEST_CASE("recipients whose copies would pass the per-message bound get 452 4.5.3") {
    RecordingSink sink;
    sink.copy_per_recipient = true;
    auto bounded = config();
    bounded.stored.per_message = 250;
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=100\r\n" +
                                "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n" +
                                "RCPT TO:<c@example.org>\r\n" + quit,
                            sink, bounded);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 452, 221});
    CHECK(session.has_line_starting("452 4.5.3"));
}

TEST_CASE("without SIZE= the largest message size is assumed, and one copy always goes") {
    RecordingSink sink;
    sink.copy_per_recipient = true;
    auto bounded = config();
    bounded.stored.per_message = 1500;  // one copy of max_message_size (1000), not two
    auto session =
        converse(ehlo + mail + "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n" + quit,
                 sink, bounded);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 452, 221});
}

TEST_CASE("a message larger than its SIZE= for its copies is refused with 552 after the data") {
    RecordingSink sink;
    sink.copy_per_recipient = true;
    auto bounded = config();
    bounded.stored.per_message = 250;
    std::string body(200, 'x');
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=10\r\n" +
                                "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n" +
                                "DATA\r\n" + body + "\r\n.\r\n" + quit,
                            sink, bounded);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 354, 552, 221});
    CHECK(session.has_line_starting("552 5.3.4"));
    CHECK(sink.delivered.empty());
}

TEST_CASE("past the per-session bound a later message's recipients get 452 4.3.1") {
    RecordingSink sink;
    auto bounded = config();
    bounded.stored.per_session = 250;
    std::string body(200, 'x');
    auto message =
        "MAIL FROM:<a@origin.test> SIZE=202\r\n" + rcpt + "DATA\r\n" + body + "\r\n.\r\n";
    auto session = converse(ehlo + message + "MAIL FROM:<a@origin.test> SIZE=100\r\n" + rcpt + quit,
                            sink, bounded);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 250, 452, 221});
    CHECK(session.has_line_starting("452 4.3.1"));
    CHECK(sink.delivered.size() == 1);
}
