#include "deliver/maildir_name.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace odmr::deliver;

TEST_CASE("maildir_unique_name formats every part in its place") {
    NameParts parts{1700000000, 42, 1234, 7, 0xabcdef, "mx.example.org"};
    CHECK(maildir_unique_name(parts) ==
          "1700000000.M000042P1234Q7R0000000000abcdef.mx.example.org");
}

TEST_CASE("maildir_unique_name pads microseconds to six digits and random to sixteen") {
    NameParts parts{1, 0, 1, 1, 0, "h"};
    CHECK(maildir_unique_name(parts) == "1.M000000P1Q1R0000000000000000.h");
    NameParts widest{1, 999999, 4194304, 18446744073709551615ull, 0xffffffffffffffffull, "h"};
    CHECK(maildir_unique_name(widest) ==
          "1.M999999P4194304Q18446744073709551615Rffffffffffffffff.h");
}

TEST_CASE("maildir_safe_host escapes '/' and ':'") {
    CHECK(maildir_safe_host("a/b:c") == "a\\057b\\072c");
    CHECK(maildir_safe_host("mx.example.org") == "mx.example.org");
}

TEST_CASE("maildir_safe_host replaces spaces and control characters") {
    CHECK(maildir_safe_host("a b\tc\x7f") == "a_b_c_");
}

TEST_CASE("maildir_safe_host of an empty name is localhost") {
    CHECK(maildir_safe_host("") == "localhost");
}

TEST_CASE("MaildirNamer names end with the escaped host") {
    MaildirNamer namer("host:1/x");
    auto name = namer.next();
    CHECK(name.ends_with(".host\\0721\\057x"));
    CHECK(name.find('/') == std::string::npos);
}

TEST_CASE("MaildirNamer gives distinct names with a rising counter") {
    MaildirNamer namer("mx.example.org");
    std::set<std::string> names;
    for (int i = 0; i < 1000; ++i) names.insert(namer.next());
    CHECK(names.size() == 1000);
    auto first = MaildirNamer("h").next();
    CHECK(first.find("Q1R") != std::string::npos);
}

TEST_CASE("is_maildir_unique_name recognises our own names and nothing else") {
    MaildirNamer namer("host.example/x:y");
    CHECK(is_maildir_unique_name(namer.next()));
    CHECK(is_maildir_unique_name("1700000000.M000001P42Q1R0123456789abcdef.host"));
    CHECK_FALSE(is_maildir_unique_name("old"));
    CHECK_FALSE(is_maildir_unique_name("1700000000.M000001P42Q1R0123456789abcdef."));
    CHECK_FALSE(is_maildir_unique_name("1700000000.M000001P42Q1R0123456789abcdef.a/b"));
    CHECK_FALSE(is_maildir_unique_name("1700000000.M1P2.host"));
    CHECK_FALSE(is_maildir_unique_name("x1700000000.M000001P42Q1R0123456789abcdef.host"));
    CHECK_FALSE(is_maildir_unique_name("1700000000.M000001P42Q1R0123456789ABCDEF.host"));
}
