#include "sasl/gs2.h"

#include <doctest/doctest.h>

using odmr::sasl::saslname;

TEST_CASE("a saslname escapes '=' and ',' and nothing else (RFC 5801 section 4)") {
    CHECK(saslname("user") == "user");
    CHECK(saslname("a=b,c") == "a=3Db=2Cc");
    CHECK(saslname("==") == "=3D=3D");
    CHECK(saslname("ünï côdé@example.org") == "ünï côdé@example.org");
    CHECK(saslname("").empty());
}
