#include "smtp/trace_header.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace odmr::smtp;

namespace {

Trace trace(const std::vector<std::string>& recipients) {
    Trace t;
    t.client_name = "provider.test";
    t.client_address = "192.0.2.1";
    t.hostname = "customer.example.org";
    t.esmtp = true;
    t.id = "0123456789ab";
    t.recipients = recipients;
    t.when = 331257600;  // 1980-07-01, some time that day in any zone
    return t;
}

}  // namespace

TEST_CASE("the Received field names both ends, the protocol and the id") {
    std::vector<std::string> one{"alice@example.org"};
    std::string field = received_header(trace(one));
    CHECK(
        field.starts_with("Received: from provider.test ([192.0.2.1])\r\n"
                          "\tby customer.example.org (odmr-fetch) with ESMTP\r\n"
                          "\tid 0123456789ab\r\n"
                          "\tfor <alice@example.org>;\r\n\t"));
    CHECK(field.ends_with("\r\n"));
    CHECK(field.find(" 1980 ") != std::string::npos);  // the date of `when`
}

TEST_CASE("with several recipients the field names none of them") {
    std::vector<std::string> two{"alice@example.org", "bob@example.org"};
    std::string field = received_header(trace(two));
    CHECK(field.find("for <") == std::string::npos);
}

TEST_CASE("the protocol says HELO, SMTPUTF8 and TLS, and TLS names its cipher") {
    std::vector<std::string> one{"alice@example.org"};
    Trace t = trace(one);
    t.esmtp = false;
    CHECK(received_header(t).find("with SMTP\r\n") != std::string::npos);
    t.esmtp = true;
    t.smtputf8 = true;
    t.tls_version = "TLSv1.3";
    t.tls_cipher = "TLS_AES_256_GCM_SHA384";
    CHECK(received_header(t).find("with UTF8SMTPS (TLSv1.3:TLS_AES_256_GCM_SHA384)\r\n") !=
          std::string::npos);
}

TEST_CASE("an unknown client address is left out") {
    std::vector<std::string> one{"alice@example.org"};
    Trace t = trace(one);
    t.client_address.clear();
    CHECK(received_header(t).starts_with("Received: from provider.test\r\n"));
}

TEST_CASE("header_safe keeps printable ASCII and replaces the rest") {
    CHECK(header_safe("a(b)\\c\x01 d", false) == "a?b??c??d");
    CHECK(header_safe("j\xc3\xb6rg", false) == "j??rg");
    CHECK(header_safe("j\xc3\xb6rg", true) == "j\xc3\xb6rg");
    CHECK(header_safe("j\xc3rg", true) == "j?rg");  // malformed UTF-8: all of it is replaced
    CHECK(header_safe(std::string(300, 'x'), false).size() == 255);
}

TEST_CASE("a date given with the trace is used as it is, without one, `when` is written") {
    std::vector<std::string> one{"alice@example.org"};
    Trace t = trace(one);
    std::string field = received_header(t);
    CHECK(field.ends_with(";\r\n\t" + rfc5322_date(t.when) + "\r\n"));
    t.date = rfc5322_date(t.when);
    CHECK(received_header(t) == field);
    std::string appended = "X";
    append_received_header(appended, t);
    CHECK(appended == "X" + field);
}
