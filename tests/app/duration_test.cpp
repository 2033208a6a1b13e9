#include "app/duration.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("a duration has a unit, or is seconds") {
    CHECK(parse_duration("90s").value() == seconds(90));
    CHECK(parse_duration("5m").value() == minutes(5));
    CHECK(parse_duration("1h").value() == hours(1));
    CHECK(parse_duration("250ms").value() == Millis(250));
    CHECK(parse_duration("30").value() == seconds(30));
    CHECK(parse_duration("0").value() == Millis(0));
}

TEST_CASE("a malformed duration is a usage error") {
    for (const char* bad : {"", "s", "5x", "-5s", "1.5h", " 5s", "5 s", "99999999999999999h"}) {
        CAPTURE(bad);
        auto parsed = parse_duration(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().is(odmr::Errc::usage));
    }
}

TEST_CASE("durations are shown the way they are written") {
    CHECK(format_duration(seconds(90)) == "1m30s");
    CHECK(format_duration(minutes(5)) == "5m");
    CHECK(format_duration(hours(1)) == "1h");
    CHECK(format_duration(Millis(250)) == "250ms");
    CHECK(format_duration(Millis(0)) == "0s");
    CHECK(format_duration(Millis(3327611)) == "55m28s");
}
