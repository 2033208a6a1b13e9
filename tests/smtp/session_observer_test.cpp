#include "smtp/session_observer.h"

#include <doctest/doctest.h>

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
