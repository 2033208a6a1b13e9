#include "deliver/placeholders.h"

#include <doctest/doctest.h>

#include <set>

using namespace odmr;
using namespace odmr::deliver;

TEST_CASE("path_component keeps ordinary addresses as they are") {
    CHECK(path_component("alice") == "alice");
    CHECK(path_component("first.last+tag") == "first.last+tag");
    CHECK(path_component("alice@example.org") == "alice@example.org");
}

TEST_CASE("path_component can never name a parent, a hidden file or a subdirectory") {
    CHECK(path_component("..") == "%2E.");
    CHECK(path_component(".") == "%2E");
    CHECK(path_component(".hidden") == "%2Ehidden");
    CHECK(path_component("../../etc") == "%2E.%2F..%2Fetc");
    CHECK(path_component("a/b") == "a%2Fb");
    CHECK(path_component("") == "%00");
}

TEST_CASE("path_component escapes controls, quotes, spaces, backslashes and its own escape") {
    CHECK(path_component("a b") == "a%20b");
    CHECK(path_component("\"x\"") == "%22x%22");
    CHECK(path_component("a\\b") == "a%5Cb");
    CHECK(path_component("50%") == "50%25");
    CHECK(path_component(std::string("a\0b", 3)) == "a%00b");
    CHECK(path_component("a\nb\x7f") == "a%0Ab%7F");
    CHECK(path_component("a:b") == "a%3Ab");
}

TEST_CASE("path_component keeps well-formed UTF-8 and escapes broken sequences and C1 controls") {
    CHECK(path_component("jos\xc3\xa9") == "jos\xc3\xa9");
    CHECK(path_component("\xe6\x97\xa5\xe6\x9c\xac") == "\xe6\x97\xa5\xe6\x9c\xac");
    CHECK(path_component("a\xc3") == "a%C3");
    CHECK(path_component("\xc0\xaf") == "%C0%AF");  // an overlong "/"
    CHECK(path_component("\xc2\x85") == "%C2%85");  // NEL
}

TEST_CASE("path_component is one-to-one on awkward inputs") {
    std::set<std::string> inputs{"a/b", "a%2Fb", "a_b", "..",  "%2E.",
                                 ".",   "",      "%00", "a b", "a%20b"};
    std::set<std::string> outputs;
    for (const auto& in : inputs) outputs.insert(path_component(in));
    CHECK(outputs.size() == inputs.size());
}

TEST_CASE("expand_path puts the lower-cased, escaped fields into the pattern") {
    auto fields = address_fields("s@origin.test", "Bob.Smith@Example.ORG");
    CHECK(expand_path("/srv/{domain}/{local}", fields) == "/srv/example.org/bob.smith");
    CHECK(expand_path("/srv/{recipient}/Maildir", fields) == "/srv/bob.smith@example.org/Maildir");
    auto evil = address_fields("", "../x@example.org");
    CHECK(expand_path("/srv/{domain}/{local}", evil) == "/srv/example.org/%2E.%2Fx");
}

TEST_CASE("expand_raw keeps the values as they are") {
    auto fields = address_fields("", "Bob@Example.org");
    CHECK(expand_raw("-f{sender}", fields) == "-f");
    CHECK(expand_raw("{local}+{domain}={recipient}", fields) == "Bob+Example.org=Bob@Example.org");
}

TEST_CASE("check_placeholders refuses unknown names, names_recipient spots recipient fields") {
    CHECK(check_placeholders("/srv/{domain}/{local}", {"recipient", "local", "domain"}).ok());
    CHECK(check_placeholders("/srv/{user}", {"recipient", "local", "domain"})
              .error()
              .is(Errc::usage));
    CHECK(check_placeholders("-f {sender}", {"recipient"}).error().is(Errc::usage));
    CHECK(names_recipient("{recipient}"));
    CHECK(names_recipient("--to={local}"));
    CHECK_FALSE(names_recipient("-f {sender}"));
    CHECK_FALSE(names_recipient("plain"));
}

TEST_CASE("names_sender spots {sender}") {
    CHECK(names_sender("-f{sender}"));
    CHECK_FALSE(names_sender("{recipient}"));
    CHECK_FALSE(names_sender("sender"));
}
