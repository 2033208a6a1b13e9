#include "sasl/login.h"

#include <doctest/doctest.h>

#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;

TEST_CASE("LOGIN answers the user name, then the password") {
    Secret password("hunter2");
    Login mechanism({"alice", &password});
    auto initial = mechanism.initial_response();
    REQUIRE(initial.ok());
    CHECK_FALSE(initial->has_value());
    auto user = mechanism.respond("Username:");
    REQUIRE(user.ok());
    CHECK(*user == "alice");
    auto pass = mechanism.respond("Password:");
    REQUIRE(pass.ok());
    CHECK(*pass == "hunter2");
}

TEST_CASE("LOGIN refuses a third challenge") {
    Secret password("hunter2");
    Login mechanism({"alice", &password});
    REQUIRE(mechanism.respond("Username:").ok());
    REQUIRE(mechanism.respond("Password:").ok());
    auto third = mechanism.respond("What else:");
    REQUIRE_FALSE(third.ok());
    CHECK(third.error().is(Errc::protocol));
}

TEST_CASE("LOGIN reveals the password") {
    Login mechanism({"alice", nullptr});
    CHECK(mechanism.name() == "LOGIN");
    CHECK(mechanism.reveals_password());
}
