#include "util/idn.h"

#include <doctest/doctest.h>

#include <string>

using namespace odmr;

namespace {

std::string ascii(std::string_view domain) {
    auto converted = idn::to_ascii(domain);
    REQUIRE_MESSAGE(converted.ok(), converted.error().message());
    return *converted;
}

}  // namespace

TEST_CASE("U-labels and A-labels of one domain come out the same") {
    CHECK(ascii("bücher.example") == "xn--bcher-kva.example");
    CHECK(ascii("xn--bcher-kva.example") == "xn--bcher-kva.example");
    CHECK(ascii("XN--BCHER-KVA.Example") == "xn--bcher-kva.example");
    CHECK(ascii("BÜCHER.EXAMPLE") == "xn--bcher-kva.example");
    CHECK(ascii("mail.bücher.example") == "mail.xn--bcher-kva.example");
}

TEST_CASE("plain ASCII is only lower-cased") {
    CHECK(ascii("Example.ORG") == "example.org");
    CHECK(ascii("[192.0.2.1]") == "[192.0.2.1]");
}

TEST_CASE("IDNA2008, non-transitional: sharp s and final sigma are kept") {
    CHECK(ascii("straße.example") == "xn--strae-oqa.example");
    CHECK(ascii("straße.example") != ascii("strasse.example"));
}

TEST_CASE("malformed names are refused") {
    CHECK_FALSE(idn::to_ascii("").ok());
    CHECK_FALSE(idn::to_ascii("\xff\xfe.example").ok());       // not UTF-8
    CHECK_FALSE(idn::to_ascii("xn--bcher-kvb.example").ok());  // does not decode back
    CHECK_FALSE(idn::to_ascii("a\xe2\x80\x8d"
                              "b.example")
                    .ok());  // ZWJ out of context
    CHECK(idn::to_ascii("xn--bcher-kvb.example").error().is(Errc::protocol));
}
