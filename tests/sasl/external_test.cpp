#include "sasl/external.h"

#include <doctest/doctest.h>

using namespace odmr;
using namespace odmr::sasl;

TEST_CASE("EXTERNAL sends an empty authorization identity by default") {
    External mechanism({"example.org", nullptr});
    CHECK(mechanism.name() == "EXTERNAL");
    CHECK_FALSE(mechanism.reveals_password());
    auto initial = mechanism.initial_response();
    REQUIRE(initial.ok());
    REQUIRE(initial->has_value());
    CHECK((*initial)->empty());
}

TEST_CASE("EXTERNAL sends the given authorization identity") {
    External mechanism({"example.org", nullptr, "someone"});
    auto initial = mechanism.initial_response();
    REQUIRE((initial.ok() && initial->has_value()));
    CHECK(**initial == "someone");
}

TEST_CASE("EXTERNAL answers an empty challenge once, then refuses") {
    External mechanism({"example.org", nullptr, "someone"});
    auto first = mechanism.respond("");
    REQUIRE(first.ok());
    CHECK(*first == "someone");
    CHECK_FALSE(mechanism.respond("").ok());
}
