#include "sasl/saslprep.h"

#include <doctest/doctest.h>

using namespace odmr;
using namespace odmr::sasl;

namespace {

std::string prepared(std::string_view input) {
    auto out = saslprep(input, "password");
    REQUIRE_MESSAGE(out.ok(), out.error().message());
    return *out;
}

Error refused(std::string_view input) {
    auto out = saslprep(input, "password");
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().is(Errc::config));
    CHECK(out.error().message().find("SASLprep") != std::string::npos);
    return out.error();
}

}  // namespace

TEST_CASE("printable ASCII is its own SASLprep") {
    CHECK(prepared("pencil") == "pencil");
    CHECK(prepared("with space and !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") ==
          "with space and !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
}

TEST_CASE("RFC 4013 §3 examples") {
    CHECK(prepared("I\xC2\xADX") == "IX");    // SOFT HYPHEN mapped to nothing
    CHECK(prepared("user") == "user");        // no transformation
    CHECK(prepared("USER") == "USER");        // case preserved
    CHECK(prepared("\xC2\xAA") == "a");       // <U+00AA> output is "a"
    CHECK(prepared("\xE2\x85\xA8") == "IX");  // <U+2168> output is "IX"
    refused("\x07");                          // <U+0007> prohibited
    refused(
        "\xD8\xA7"
        "1");  // <U+0627><U+0031> bidi check
}

TEST_CASE("non-ASCII spaces become spaces, NFKC composes") {
    CHECK(prepared("a\xC2\xA0"
                   "b") == "a b");               // NO-BREAK SPACE
    CHECK(prepared("e\xCC\x81") == "\xC3\xA9");  // e + COMBINING ACUTE -> é
    CHECK(prepared("Gr\xC3\xBC\xC3\x9F"
                   "e") ==
          "Gr\xC3\xBC\xC3\x9F"
          "e");  // Grüße unchanged
}

TEST_CASE("control characters, invalid UTF-8 and NUL are clear errors") {
    refused("tab\there");
    refused("new\nline");
    refused("\x7f");
    auto error = refused("\xff\xfe bad utf-8");
    CHECK(error.message().find("UTF-8") != std::string::npos);
    refused(std::string_view("nul\0inside", 10));
}

TEST_CASE("an empty string, or one that maps to nothing, is refused") {
    refused("");
    refused("\xC2\xAD");  // only a SOFT HYPHEN
}

TEST_CASE("the error names the string but never shows it") {
    auto out = saslprep("secret\x01value", "password");
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message().find("password") != std::string::npos);
    CHECK(out.error().message().find("secret") == std::string::npos);
}
