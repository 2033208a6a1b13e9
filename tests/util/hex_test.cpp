#include "util/hex.h"

#include <doctest/doctest.h>

using namespace odmr;

TEST_CASE("a byte is written as two hex digits, high nibble first") {
    std::string out;
    hex::append(out, 0x0f);
    hex::append(out, 0xa5, hex::Letters::upper);
    hex::append(out, 0xff);
    CHECK(out == "0fA5ff");
}

TEST_CASE("hex digits are read in either case and nothing else is") {
    CHECK(hex::digit_value('0') == 0);
    CHECK(hex::digit_value('9') == 9);
    CHECK(hex::digit_value('a') == 10);
    CHECK(hex::digit_value('F') == 15);
    CHECK(hex::digit_value('g') == -1);
    CHECK(hex::digit_value(':') == -1);
    CHECK(hex::byte_value("2e") == 0x2e);
    CHECK(hex::byte_value("C3") == 0xc3);
    CHECK(hex::byte_value("2") == -1);
    CHECK(hex::byte_value("2x") == -1);
    CHECK(hex::byte_value("123") == -1);
}
