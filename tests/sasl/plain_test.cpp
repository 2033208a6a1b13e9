#include "sasl/plain.h"

#include <doctest/doctest.h>

#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;
using namespace std::string_literals;

TEST_CASE("PLAIN sends NUL user NUL password as its initial response") {
    Secret password("pass");
    Plain mechanism({"user", &password});
    auto initial = mechanism.initial_response();
    REQUIRE(initial.ok());
    REQUIRE(initial->has_value());
    CHECK(**initial == "\0user\0pass"s);
    CHECK((*initial)->size() == 10);
}

TEST_CASE("PLAIN reveals the password") {
    Plain mechanism({"user", nullptr});
    CHECK(mechanism.name() == "PLAIN");
    CHECK(mechanism.reveals_password());
}

TEST_CASE("PLAIN answers an empty server challenge with the same bytes") {
    Secret password("pass");
    Plain mechanism({"user", &password});
    auto response = mechanism.respond("");
    REQUIRE(response.ok());
    CHECK(*response == "\0user\0pass"s);
}

TEST_CASE("PLAIN refuses a challenge after its initial response") {
    Secret password("pass");
    Plain mechanism({"user", &password});
    auto initial = mechanism.initial_response();
    REQUIRE((initial.ok() && initial->has_value()));
    auto response = mechanism.respond("");
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(Errc::protocol));
}

TEST_CASE("PLAIN refuses a non-empty challenge") {
    Secret password("pass");
    Plain mechanism({"user", &password});
    auto response = mechanism.respond("something");
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(Errc::protocol));
}
