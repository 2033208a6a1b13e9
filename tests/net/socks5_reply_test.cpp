// The SOCKS5 proxy's replies, read without a socket (also fuzzed:
// tests/fuzz/socks5_fuzz.cpp).
#include "net/socks5_reply.h"

#include <doctest/doctest.h>

#include <string>

using namespace odmr;
using namespace odmr::net;
using namespace std::string_literals;

TEST_CASE("the proxy's choice of method") {
    CHECK(socks5::method_reply("\x05\x00"s, false).value() == false);
    CHECK(socks5::method_reply("\x05\x00"s, true).value() == false);
    CHECK(socks5::method_reply("\x05\x02"s, true).value() == true);
    // Asking for a password we did not offer, or a method we do not know.
    CHECK(socks5::method_reply("\x05\x02"s, false).error().is(Errc::auth_unavailable));
    CHECK(socks5::method_reply("\x05\xff"s, true).error().is(Errc::auth_unavailable));
    CHECK(socks5::method_reply("\x05\x01"s, true).error().is(Errc::auth_unavailable));
    // Not SOCKS5 at all (an SMTP greeting, a SOCKS4 proxy), or cut short.
    CHECK(socks5::method_reply("22"s, false).error().is(Errc::protocol));
    CHECK(socks5::method_reply("\x04\x00"s, false).error().is(Errc::protocol));
    CHECK(socks5::method_reply("\x05"s, false).error().is(Errc::protocol));
}

TEST_CASE("the proxy's verdict on the user name and password") {
    CHECK(socks5::password_reply("\x01\x00"s).ok());
    CHECK(socks5::password_reply("\x01\x01"s).error().is(Errc::auth_rejected));
    CHECK_FALSE(socks5::password_reply("\x01"s).ok());
}

TEST_CASE("the head of the answer to CONNECT says how much is left to read") {
    std::string target = "odmr.example.net port 366";
    CHECK(socks5::connect_reply("\x05\x00\x00\x01\x7f"s, target).value() == 5);
    CHECK(socks5::connect_reply("\x05\x00\x00\x04\x20"s, target).value() == 17);
    CHECK(socks5::connect_reply("\x05\x00\x00\x03\x10"s, target).value() == 18);
    CHECK(socks5::connect_reply("\x05\x00\x00\x03\xff"s, target).value() == 257);
    CHECK(socks5::connect_reply("\x05\x00\x00\x03\x00"s, target).value() == 2);
    auto refused = socks5::connect_reply("\x05\x05\x00\x01\x00"s, target);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("refused") != std::string::npos);
    CHECK(refused.error().message().find(target) != std::string::npos);
    CHECK(socks5::connect_reply("\x05\x00\x00\x02\x00"s, target).error().is(Errc::protocol));
    CHECK(socks5::connect_reply("\x04\x5a\x00\x00\x00"s, target).error().is(Errc::protocol));
    CHECK(socks5::connect_reply("\x05\x00"s, target).error().is(Errc::protocol));
}
