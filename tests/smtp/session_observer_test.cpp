#include "smtp/session_observer.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

using namespace odmr::smtp;

namespace {

void client(SessionObserver& o, std::string_view s) {
    o.from_client(s);
}
void server(SessionObserver& o, std::string_view s) {
    o.from_server(s);
}

}  // namespace

TEST_CASE("a DATA transaction accepted with 250 counts one message") {
    SessionObserver o;
    server(o, "220 mta ESMTP\r\n");
    client(o, "EHLO provider\r\n");
    server(o, "250-mta\r\n250 PIPELINING\r\n");
    client(o, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    server(o, "250 ok\r\n250 ok\r\n354 go\r\n");
    client(o, "Subject: x\r\n\r\nDATA\r\n.. not the end\r\n.\r\n");
    CHECK(o.delivered() == 0);
    server(o, "250 2.0.0 queued\r\n");
    CHECK(o.delivered() == 1);
    client(o, "QUIT\r\n");
    server(o, "221 bye\r\n");
    CHECK(o.delivered() == 1);
    CHECK_FALSE(o.lost());
    CHECK(o.commands() == 5);
}

TEST_CASE("a refused end of data, or a refused DATA, counts nothing") {
    SessionObserver o;
    server(o, "220 mta\r\n");
    client(o, "HELO p\r\n");
    server(o, "250 mta\r\n");
    client(o, "MAIL FROM:<a@b>\r\n");
    server(o, "250 ok\r\n");
    client(o, "RCPT TO:<c@d>\r\n");
    server(o, "550 no\r\n");
    client(o, "DATA\r\n");
    server(o, "554 no valid recipients\r\n");
    client(o, "MAIL FROM:<a@b>\r\n");  // commands again, not a body
    server(o, "250 ok\r\n");
    client(o, "RCPT TO:<e@d>\r\n");
    server(o, "250 ok\r\n");
    client(o, "DATA\r\n");
    server(o, "354 go\r\n");
    client(o, "body\r\n.\r\n");
    server(o, "451 4.3.0 later\r\n");
    CHECK(o.delivered() == 0);
    CHECK(o.refused() == 1);
    CHECK_FALSE(o.lost());
}

TEST_CASE("Exim's pipelined BDAT LAST with the body and QUIT in one write") {
    SessionObserver o;
    server(o, "220 mta\r\n");
    client(o, "EHLO p\r\n");
    server(o, "250-mta\r\n250-CHUNKING\r\n250 PIPELINING\r\n");
    client(o, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 12 LAST\r\nQUIT\r\nbodyQUIT\r\n");
    client(o, "QUIT\r\n");
    server(o, "250 ok\r\n250 ok\r\n250 2.0.0 12 octets\r\n221 bye\r\n");
    CHECK(o.delivered() == 1);
    CHECK_FALSE(o.lost());
}

TEST_CASE("BDAT chunks: only the LAST one's reply counts") {
    SessionObserver o;
    server(o, "220 mta\r\n");
    client(o, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n");
    server(o, "250 ok\r\n250 ok\r\n250 3 octets\r\n");
    CHECK(o.delivered() == 0);
    server(o, "250 message ok\r\n");
    CHECK(o.delivered() == 1);
}

TEST_CASE("multi-line replies are one reply") {
    SessionObserver o;
    server(o, "220-mta\r\n220 ready\r\n");
    client(o, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    server(o, "250 ok\r\n250 ok\r\n354 go\r\n");
    client(o, "x\r\n.\r\n");
    server(o, "250-queued\r\n250 as 123\r\n");
    CHECK(o.delivered() == 1);
}

TEST_CASE("after STARTTLS is accepted the session cannot be followed") {
    SessionObserver o;
    server(o, "220 mta\r\n");
    client(o, "STARTTLS\r\n");
    server(o, "220 go ahead\r\n");
    CHECK(o.lost());
}

namespace {

// Refuses RCPT to anything but example.org, as deliver/handoff_gate does.
std::optional<odmr::mail::Reply> example_org_only(const Command& command) {
    if (command.verb != Verb::rcpt || command.argument.ends_with("@example.org>"))
        return std::nullopt;
    return odmr::mail::Reply{550, "5.7.1", "Relaying denied"};
}

std::string gated(SessionObserver& o, std::string_view s, bool from_client) {
    std::string out;
    if (from_client)
        o.from_client(s, out);
    else
        o.from_server(s, out);
    return out;
}

}  // namespace

TEST_CASE("a gated command is replaced by NOOP, and its reply by the gate's, in pipelined order") {
    SessionObserver o(example_org_only);
    CHECK(gated(o, "220 mta\r\n", false) == "220 mta\r\n");
    CHECK(gated(o, "EHLO p\r\n", true) == "EHLO p\r\n");
    CHECK(gated(o, "250-mta\r\n250-STARTTLS\r\n250 PIPELINING\r\n", false) ==
          "250-mta\r\n250 PIPELINING\r\n");
    CHECK(gated(o,
                "MAIL FROM:<a@b>\r\nRCPT TO:<v@victim.test>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n",
                true) == "MAIL FROM:<a@b>\r\nNOOP\r\nRCPT TO:<c@example.org>\r\nDATA\r\n");
    CHECK(gated(o, "250 sender ok\r\n250-noop\r\n250 ok\r\n250 rcpt ok\r\n354 go\r\n", false) ==
          "250 sender ok\r\n550 5.7.1 Relaying denied\r\n250 rcpt ok\r\n354 go\r\n");
    // Data is not commands: passed on unchanged, even what looks like an RCPT.
    CHECK(gated(o, "RCPT TO:<v@victim.test>\r\n.\r\n", true) == "RCPT TO:<v@victim.test>\r\n.\r\n");
    CHECK(gated(o, "250 queued\r\n", false) == "250 queued\r\n");
    CHECK(o.delivered() == 1);
    CHECK(o.gated() == 1);
    CHECK_FALSE(o.lost());
}

TEST_CASE("a gated observer refuses STARTTLS itself and withholds it from a last EHLO line") {
    SessionObserver o(example_org_only);
    gated(o, "220 mta\r\n", false);
    gated(o, "EHLO p\r\n", true);
    CHECK(gated(o, "250-mta\r\n250 STARTTLS\r\n", false) ==
          "250-mta\r\n250 X-STARTTLS-WITHHELD\r\n");
    CHECK(gated(o, "STARTTLS\r\n", true) == "NOOP\r\n");
    CHECK(gated(o, "250 ok\r\n", false).starts_with("454 4.7.0"));
    CHECK_FALSE(o.lost());
}

TEST_CASE("a BDAT chunk is data: a line in it is never gated") {
    SessionObserver o(example_org_only);
    gated(o, "220 mta\r\n", false);
    std::string chunk = "RCPT TO:<v@victim.test>\r\n";
    std::string bdat = "MAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nBDAT " +
                       std::to_string(chunk.size()) + " LAST\r\n" + chunk;
    CHECK(gated(o, bdat, true) == bdat);
    gated(o, "250 ok\r\n250 ok\r\n250 ok\r\n", false);
    CHECK(o.delivered() == 1);
    CHECK(o.gated() == 0);
}

TEST_CASE("once lost, a gated observer passes nothing more on") {
    SessionObserver o(example_org_only);
    gated(o, "220 mta\r\n", false);
    CHECK(gated(o, "DATA\r\nbody before 354\r\nRCPT TO:<v@victim.test>\r\n", true) == "DATA\r\n");
    CHECK(o.lost());
    CHECK(gated(o, "RCPT TO:<v@victim.test>\r\n", true).empty());
}

TEST_CASE("a partial command line is held until its line end") {
    SessionObserver o(example_org_only);
    gated(o, "220 mta\r\n", false);
    CHECK(gated(o, "RCPT TO:<v@vic", true).empty());
    CHECK(gated(o, "tim.test>\r\n", true) == "NOOP\r\n");
}

TEST_CASE("a gated observer refuses what it cannot check: unknown verbs, RCPT with a tab") {
    SessionObserver o(example_org_only);
    gated(o, "220 mta\r\n", false);
    CHECK(
        gated(o,
              "RCPT\tTO:<v@victim.test>\r\n RCPT TO:<v@victim.test>\r\nXCLIENT ADDR=192.0.2.1\r\n",
              true) == "NOOP\r\nNOOP\r\nNOOP\r\n");
    CHECK(gated(o, "250 a\r\n250 b\r\n250 c\r\n", false) ==
          "500 5.5.1 Command unrecognized\r\n500 5.5.1 Command unrecognized\r\n"
          "500 5.5.1 Command unrecognized\r\n");
}

TEST_CASE("a BDAT refused because no recipient was accepted is no refused message") {
    SessionObserver o;
    server(o, "220 mta\r\n");
    client(o, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 3 LAST\r\nabc");
    server(o, "250 ok\r\n550 no\r\n503 valid RCPT command must precede BDAT\r\n");
    CHECK(o.refused() == 0);
    CHECK(o.delivered() == 0);
}
