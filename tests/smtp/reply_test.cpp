#include "smtp/reply.h"

#include <doctest/doctest.h>

using namespace odmr;
using namespace odmr::smtp;

TEST_CASE("a single-line reply parses into code and text") {
    ReplyParser parser;
    auto r = parser.feed("220 provider.odmr.test ESMTP Exim 4.99.1");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK((*r)->code == 220);
    CHECK((*r)->lines.at(0) == "provider.odmr.test ESMTP Exim 4.99.1");
}
