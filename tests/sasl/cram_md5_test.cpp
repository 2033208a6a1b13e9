#include "sasl/cram_md5.h"

#include <doctest/doctest.h>

#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;

namespace {
constexpr std::string_view rfc2195_challenge = "<1896.697170952@postoffice.reston.mci.net>";
}

TEST_CASE("CRAM-MD5 answers RFC 2195's example challenge") {
    Secret password("tanstaaftanstaaf");
    CramMd5 mechanism({"tim", &password});
    auto response = mechanism.respond(rfc2195_challenge);
    REQUIRE(response.ok());
    CHECK(*response == "tim b913a602c7eda7a495b4e6e7334d3890");
}

TEST_CASE("CRAM-MD5 does not reveal the password and has no initial response") {
    Secret password("secret");
    CramMd5 mechanism({"tim", &password});
    CHECK(mechanism.name() == "CRAM-MD5");
    CHECK_FALSE(mechanism.reveals_password());
    auto initial = mechanism.initial_response();
    REQUIRE(initial.ok());
    CHECK_FALSE(initial->has_value());
}

TEST_CASE("CRAM-MD5 refuses a second challenge") {
    Secret password("tanstaaftanstaaf");
    CramMd5 mechanism({"tim", &password});
    REQUIRE(mechanism.respond(rfc2195_challenge).ok());
    auto again = mechanism.respond(rfc2195_challenge);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().is(Errc::protocol));
}

TEST_CASE("CRAM-MD5 refuses an empty challenge") {
    Secret password("tanstaaftanstaaf");
    CramMd5 mechanism({"tim", &password});
    auto response = mechanism.respond("");
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(Errc::protocol));
}

TEST_CASE("CRAM-MD5 without a password fails instead of answering") {
    CramMd5 mechanism({"tim", nullptr});
    auto response = mechanism.respond(rfc2195_challenge);
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(Errc::software));
}
