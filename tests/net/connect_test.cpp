#include "net/connect.h"

#include <doctest/doctest.h>

#include <string_view>

using namespace odmr;
using namespace odmr::net;

namespace {

HostPort must_parse(std::string_view text, std::uint16_t default_port = 366) {
    auto parsed = parse_host_port(text, default_port);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
    return *parsed;
}

void check_refused(std::string_view text) {
    CAPTURE(text);
    auto parsed = parse_host_port(text, 366);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().is(Errc::usage));
}

}  // namespace

TEST_CASE("a bare host name takes the default port") {
    auto hp = must_parse("odmr.example.net");
    CHECK(hp.host == "odmr.example.net");
    CHECK(hp.port == 366);
}

TEST_CASE("host:port overrides the default port") {
    auto hp = must_parse("odmr.example.net:2525");
    CHECK(hp.host == "odmr.example.net");
    CHECK(hp.port == 2525);
    CHECK(must_parse("192.0.2.1:25").host == "192.0.2.1");
    CHECK(must_parse("192.0.2.1:65535").port == 65535);
    CHECK(must_parse("h:1").port == 1);
}

TEST_CASE("a bracketed IPv6 literal takes the default port") {
    auto hp = must_parse("[::1]");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 366);
}

TEST_CASE("a bracketed IPv6 literal may carry a port") {
    auto hp = must_parse("[::1]:25");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 25);
    CHECK(must_parse("[2001:db8::5]:587").host == "2001:db8::5");
}

TEST_CASE("a bare IPv6 literal is a host without a port") {
    auto hp = must_parse("::1");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 366);
    CHECK(must_parse("2001:db8::25").host == "2001:db8::25");
    CHECK(must_parse("2001:db8::25").port == 366);
}

TEST_CASE("ports out of range or not numeric are refused") {
    check_refused("host:0");
    check_refused("host:65536");
    check_refused("host:99999999999");
    check_refused("host:abc");
    check_refused("host:25x");
    check_refused("host:-1");
    check_refused("host: 25");
    check_refused("[::1]:0");
    check_refused("[::1]:65536");
}

TEST_CASE("an empty port after the colon is refused") {
    check_refused("host:");
    check_refused("[::1]:");
}

TEST_CASE("an empty host is refused") {
    check_refused("");
    check_refused(":25");
    check_refused("[]");
    check_refused("[]:25");
}

TEST_CASE("malformed brackets are refused") {
    check_refused("[::1");
    check_refused("[::1]25");
    check_refused("[::1]x:25");
}

TEST_CASE("a bare IPv6 literal ending in :: is a host without a port") {
    for (const char* literal : {"2001:db8::", "fe80::", "::"}) {
        auto parsed = odmr::net::parse_host_port(literal, 366);
        REQUIRE(parsed.ok());
        CHECK(parsed->host == literal);
        CHECK(parsed->port == 366);
    }
}
