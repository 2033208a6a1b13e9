#include "mail/address.h"

#include <doctest/doctest.h>

using namespace odmr::mail;

TEST_CASE("domain_of takes the text after the last '@'") {
    CHECK(domain_of("alice@example.org") == "example.org");
    CHECK(domain_of("\"a@b\"@example.org") == "example.org");
    CHECK(domain_of("no-at-sign").empty());
}

TEST_CASE("local_part_of takes the text before the last '@'") {
    CHECK(local_part_of("alice@example.org") == "alice");
    CHECK(local_part_of("\"a@b\"@example.org") == "\"a@b\"");
    CHECK(local_part_of("no-at-sign") == "no-at-sign");
}
