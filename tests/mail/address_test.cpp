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

TEST_CASE("is_routing_address finds the routing tricks a relaying MTA may honour") {
    CHECK(is_routing_address("v%victim.test@example.org"));
    CHECK(is_routing_address("\"v@victim.test\"@example.org"));
    CHECK(is_routing_address("v@victim.test@example.org"));
    CHECK(is_routing_address("victim.test!v@example.org"));
    CHECK(is_routing_address("\"v%victim.test\"@example.org"));
    CHECK_FALSE(is_routing_address("alice@example.org"));
    CHECK_FALSE(is_routing_address("first.last+tag@example.org"));
    CHECK_FALSE(is_routing_address("\"with space\"@example.org"));
    // Only the local part counts: the domain is checked against the ATRN domains.
    CHECK_FALSE(is_routing_address("alice@ex-ample.org"));
}

TEST_CASE("local_part_is_option_like finds local parts a program would read as options") {
    CHECK(local_part_is_option_like("--help@example.org"));
    CHECK(local_part_is_option_like("-oQ/tmp/x@evil.test"));
    CHECK(local_part_is_option_like("\"-x\"@example.org"));
    CHECK_FALSE(local_part_is_option_like("a-b@example.org"));
    CHECK_FALSE(local_part_is_option_like("alice@-example.org"));
    CHECK_FALSE(local_part_is_option_like(""));
}
