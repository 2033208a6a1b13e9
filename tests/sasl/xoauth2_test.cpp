// XOAUTH2 (Google's, the predecessor of RFC 7628).
#include "sasl/xoauth2.h"

#include <doctest/doctest.h>

#include <string>

#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;
using namespace std::string_literals;

TEST_CASE("XOAUTH2 sends user and bearer token separated by ^A") {
    Secret token("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    XOAuth2 mechanism({"someuser@example.com", &token});
    CHECK(mechanism.name() == "XOAUTH2");
    CHECK(mechanism.reveals_password());
    auto initial = mechanism.initial_response();
    REQUIRE((initial.ok() && initial->has_value()));
    CHECK(**initial ==
          "user=someuser@example.com\x01"
          "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"s);
}

TEST_CASE("XOAUTH2 answers the server's error report with an empty line and keeps it") {
    Secret token("expired");
    XOAuth2 mechanism({"u", &token});
    REQUIRE(mechanism.initial_response().ok());
    auto answer = mechanism.respond(R"({"status":"401","schemes":"bearer"})");
    REQUIRE(answer.ok());
    CHECK(answer->empty());
    CHECK(mechanism.diagnostic() == R"({"status":"401","schemes":"bearer"})");
    CHECK_FALSE(mechanism.respond("again").ok());
}

TEST_CASE("XOAUTH2 keeps a hostile error report printable and bounded") {
    // Found by tests/fuzz/sasl_fuzz: the report goes into our error message.
    Secret token("expired");
    XOAuth2 mechanism({"u", &token});
    REQUIRE(mechanism.initial_response().ok());
    REQUIRE(mechanism.respond("{\"status\":\"401\"}\n\x1b[2J\r" + std::string(5000, 'x')).ok());
    auto said = mechanism.diagnostic();
    CHECK(said.starts_with("{\"status\":\"401\"}??[2J?xxx"));
    CHECK(said.size() == max_server_said);
}
