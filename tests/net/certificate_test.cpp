#include "net/certificate.h"

#include <doctest/doctest.h>

#include <cctype>
#include <string>
#include <vector>

#include "support/tls_harness.h"

using namespace odmr;
using namespace odmr::net;

namespace {

const std::string hex64 = "CB6BE0289ED870B96CB6450E432A7D5ECA3128783ED0BF0F122E60F7D4D974AD";

}  // namespace

TEST_CASE("a pin is sha256: and 64 hex digits, with or without colons, any case") {
    auto plain = parse_pins("sha256:" + hex64);
    REQUIRE(plain.ok());
    REQUIRE(plain->size() == 1);
    CHECK(format_fingerprint(plain->front()) ==
          "CB:6B:E0:28:9E:D8:70:B9:6C:B6:45:0E:43:2A:7D:5E:CA:31:28:78:3E:D0:BF:0F:12:2E:60:F7:"
          "D4:D9:74:AD");
    auto colons = parse_pins("SHA256:" + format_fingerprint(plain->front()));
    REQUIRE(colons.ok());
    CHECK(*colons == *plain);
    std::string lower = hex64;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto lower_pins = parse_pins("sha256:" + lower);
    REQUIRE(lower_pins.ok());
    CHECK(*lower_pins == *plain);
}

TEST_CASE("several pins are separated by commas, an empty text is no pin") {
    auto two = parse_pins("sha256:" + hex64 + ", sha256:" + std::string(64, '0'));
    REQUIRE(two.ok());
    CHECK(two->size() == 2);
    auto none = parse_pins("");
    REQUIRE(none.ok());
    CHECK(none->empty());
}

TEST_CASE("malformed pins are usage errors") {
    const std::vector<std::string> malformed{"sha1:" + hex64.substr(0, 40), hex64,
                                             "sha256:" + hex64.substr(2), "sha256:" + hex64 + "00",
                                             "sha256:" + hex64.substr(1) + "g"};
    for (const auto& bad : malformed) {
        CAPTURE(bad);
        auto pins = parse_pins(bad);
        REQUIRE_FALSE(pins.ok());
        CHECK(pins.error().is(Errc::usage));
    }
}

TEST_CASE("a certificate matches its own fingerprint and its key's, not another's") {
    auto identity = test::make_certificate();
    auto other = test::make_certificate();
    X509* certificate = identity.certificate.get();
    CHECK(matches_pin(certificate, {certificate_fingerprint(certificate)}));
    CHECK(matches_pin(certificate, {public_key_fingerprint(certificate)}));
    CHECK(certificate_fingerprint(certificate) != public_key_fingerprint(certificate));
    CHECK_FALSE(matches_pin(certificate, {certificate_fingerprint(other.certificate.get())}));
    CHECK_FALSE(matches_pin(certificate, {}));
}

TEST_CASE("the description names subject, issuer, names and fingerprint") {
    auto identity = test::make_certificate("provider.test", "DNS:provider.test,IP:::1");
    auto info = describe_certificate(identity.certificate.get());
    CHECK(info.subject == "CN=provider.test");
    CHECK(info.issuer == "CN=provider.test");
    CHECK(info.alt_names == "DNS:provider.test, IP:0:0:0:0:0:0:0:1");
    CHECK(info.sha256 == format_fingerprint(certificate_fingerprint(identity.certificate.get())));
    CHECK(info.not_before.ends_with(" UTC"));
    CHECK(pin_hint(identity.certificate.get()).find("--tls-fingerprint sha256:" + info.sha256) !=
          std::string::npos);
}
