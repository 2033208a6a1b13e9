// OAUTHBEARER (RFC 7628).
#include "sasl/oauthbearer.h"

#include <doctest/doctest.h>

#include <string>

#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;
using namespace std::string_literals;

TEST_CASE("OAUTHBEARER sends RFC 7628's GS2 header and key-value pairs") {
    // RFC 7628 §4.1, without the optional host and port.
    Secret token("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    OAuthBearer mechanism({"user@example.com", &token});
    CHECK(mechanism.name() == "OAUTHBEARER");
    CHECK(mechanism.reveals_password());
    auto initial = mechanism.initial_response();
    REQUIRE((initial.ok() && initial->has_value()));
    CHECK(**initial ==
          "n,a=user@example.com,\x01"
          "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"s);
}

TEST_CASE("OAUTHBEARER escapes the user name and answers an error with ^A") {
    Secret token("t");
    OAuthBearer mechanism({"a,b=c", &token});
    auto initial = mechanism.initial_response();
    REQUIRE((initial.ok() && initial->has_value()));
    CHECK((*initial)->starts_with("n,a=a=2Cb=3Dc,\x01"));
    auto answer = mechanism.respond(R"({"status":"invalid_token"})");
    REQUIRE(answer.ok());
    CHECK(*answer == "\x01");
    CHECK(mechanism.diagnostic() == R"({"status":"invalid_token"})");
}

TEST_CASE("OAUTHBEARER keeps a hostile error report printable and bounded") {
    // Found by tests/fuzz/sasl_fuzz: the report goes into our error message.
    Secret token("expired");
    OAuthBearer mechanism({"u", &token});
    REQUIRE(mechanism.initial_response().ok());
    REQUIRE(
        mechanism.respond("{\"status\":\"invalid_token\"}\r\n\x07" + std::string(600, 'x')).ok());
    auto said = mechanism.diagnostic();
    CHECK(said.starts_with("{\"status\":\"invalid_token\"}???xxx"));
    CHECK(said.size() == max_server_said);
}
