#include "util/base64.h"

#include <doctest/doctest.h>

#include <string>

using namespace odmr;

TEST_CASE("base64 encodes the RFC 4648 test vectors") {
    CHECK(base64::encode("") == "");
    CHECK(base64::encode("f") == "Zg==");
    CHECK(base64::encode("fo") == "Zm8=");
    CHECK(base64::encode("foo") == "Zm9v");
    CHECK(base64::encode("foob") == "Zm9vYg==");
    CHECK(base64::encode("fooba") == "Zm9vYmE=");
    CHECK(base64::encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64 decodes the RFC 4648 test vectors") {
    CHECK(base64::decode("") == std::string());
    CHECK(base64::decode("Zg==") == std::string("f"));
    CHECK(base64::decode("Zm8=") == std::string("fo"));
    CHECK(base64::decode("Zm9v") == std::string("foo"));
    CHECK(base64::decode("Zm9vYmFy") == std::string("foobar"));
}

TEST_CASE("base64 round-trips every byte value") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t length = 0; length <= all.size(); length += 37) {
        CAPTURE(length);
        std::string bytes = all.substr(0, length);
        auto back = base64::decode(base64::encode(bytes));
        REQUIRE(back.has_value());
        CHECK(*back == bytes);
    }
}

TEST_CASE("base64 encodes with the standard alphabet, not the URL-safe one") {
    CHECK(base64::encode("\xfb\xff") == "+/8=");
    CHECK(base64::decode("+/8=") == std::string("\xfb\xff"));
    CHECK_FALSE(base64::decode("-_8=").has_value());
}

TEST_CASE("base64 refuses characters outside the alphabet") {
    CHECK_FALSE(base64::decode("Zm9v!").has_value());
    CHECK_FALSE(base64::decode("Zm 9v").has_value());
    CHECK_FALSE(base64::decode("Zm9v\r\n").has_value());
}

TEST_CASE("base64 refuses missing or misplaced padding") {
    CHECK_FALSE(base64::decode("Zg").has_value());
    CHECK_FALSE(base64::decode("Zg=").has_value());
    CHECK_FALSE(base64::decode("Z").has_value());
    CHECK_FALSE(base64::decode("Zg==Zg==").has_value());
    CHECK_FALSE(base64::decode("=Zg=").has_value());
}
