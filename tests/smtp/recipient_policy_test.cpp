#include "smtp/recipient_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace odmr::smtp;

namespace {

const std::vector<std::string> domains{"example.org", "xn--bcher-kva.example"};

}  // namespace

TEST_CASE("a recipient outside the domains is refused with 550 5.7.1") {
    auto refused = recipient_refusal("victim@victim.test", domains, false);
    REQUIRE(refused);
    CHECK(refused->reply.code == 550);
    CHECK(refused->reply.enhanced == "5.7.1");
    CHECK_FALSE(recipient_refusal("alice@EXAMPLE.org", domains, true));
}

TEST_CASE("domains are compared as A-labels") {
    CHECK_FALSE(recipient_refusal("a@bücher.example", domains, true));
    CHECK_FALSE(recipient_refusal("a@xn--bcher-kva.example", domains, true));
}

TEST_CASE("a plain ASCII domain is compared without case, and an A-label in any case is one") {
    CHECK_FALSE(recipient_refusal("a@Example.ORG", domains, true));
    CHECK_FALSE(recipient_refusal("a@XN--BCHER-KVA.Example", domains, true));
    CHECK(recipient_refusal("a@example.org.evil", domains, true));
    CHECK(recipient_refusal("a@", domains, true));
    CHECK(recipient_refusal("a@xn--.example", domains, true));
}

TEST_CASE("routing addresses are refused with 550 5.7.1 only toward a relaying sink") {
    for (const char* address : {"v%victim.test@example.org", "\"v@victim.test\"@example.org",
                                "v@victim.test@example.org", "victim.test!v@example.org"}) {
        CAPTURE(address);
        auto refused = recipient_refusal(address, domains, true);
        REQUIRE(refused);
        CHECK(refused->reply.code == 550);
        CHECK(refused->reply.enhanced == "5.7.1");
        CHECK_FALSE(recipient_refusal(address, domains, false));
    }
}
