#include "util/text.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace odmr;
using Words = std::vector<std::string>;

TEST_CASE("upper and lower change ASCII letters only") {
    CHECK(text::upper("Mail From:<a@B.example>") == "MAIL FROM:<A@B.EXAMPLE>");
    CHECK(text::lower("EHLO Host-1") == "ehlo host-1");
    CHECK(text::upper("\xe9t\xe9") == "\xe9T\xe9");
    CHECK(text::lower("@[`{") == "@[`{");
    CHECK(text::upper("@[`{") == "@[`{");
}

TEST_CASE("character helpers") {
    CHECK(text::is_digit('0'));
    CHECK(text::is_digit('9'));
    CHECK_FALSE(text::is_digit('a'));
    CHECK_FALSE(text::is_digit('/'));
    CHECK(text::to_upper('z') == 'Z');
    CHECK(text::to_lower('A') == 'a');
    CHECK(text::to_upper('1') == '1');
}

TEST_CASE("iequals compares ASCII case-insensitively") {
    CHECK(text::iequals("AUTH", "auth"));
    CHECK(text::iequals("", ""));
    CHECK_FALSE(text::iequals("AUTH", "AUTH2"));
    CHECK_FALSE(text::iequals("AUTH", "AUTO"));
}

TEST_CASE("istarts_with matches a prefix in any case") {
    CHECK(text::istarts_with("from:<a@b>", "FROM:"));
    CHECK(text::istarts_with("anything", ""));
    CHECK_FALSE(text::istarts_with("FRO", "FROM:"));
    CHECK_FALSE(text::istarts_with("TO:<a@b>", "FROM:"));
}

TEST_CASE("split_words splits on runs of spaces and tabs") {
    CHECK(text::split_words("AUTH  PLAIN\tLOGIN ") == Words{"AUTH", "PLAIN", "LOGIN"});
    CHECK(text::split_words(" \t ").empty());
    CHECK(text::split_words("").empty());
    CHECK(text::split_words("one") == Words{"one"});
}

TEST_CASE("split keeps empty fields") {
    CHECK(text::split("a,b,,c", ',') == Words{"a", "b", "", "c"});
    CHECK(text::split("", ',') == Words{""});
    CHECK(text::split(",", ',') == Words{"", ""});
    CHECK(text::split("abc", ',') == Words{"abc"});
}

TEST_CASE("trim removes spaces and tabs at both ends only") {
    CHECK(text::trim("  a b\t") == "a b");
    CHECK(text::trim("\t\t").empty());
    CHECK(text::trim("x") == "x");
    CHECK(text::trim("\r\nx\r\n") == "\r\nx\r\n");
}

TEST_CASE("printable keeps printable ASCII and turns every other octet into '?'") {
    CHECK(text::printable("250 OK ~!") == "250 OK ~!");
    CHECK(text::printable(std::string("a\r\nb\x7f\x01", 6)) == "a??b??");
    CHECK(text::printable("caf\xc3\xa9") == "caf??");
}
