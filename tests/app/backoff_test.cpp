#include "app/backoff.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("after a good poll the wait is the interval") {
    CHECK(next_wait(minutes(5), 0, 0.0) == minutes(5));
    CHECK(next_wait(minutes(5), 0, 1.0) == minutes(5));
}

TEST_CASE("failures double the wait up to the cap") {
    CHECK(next_wait(seconds(90), 1, 1.0) == seconds(180));
    CHECK(next_wait(seconds(90), 2, 1.0) == seconds(360));
    CHECK(next_wait(seconds(90), 10, 1.0) == hours(1));
    CHECK(next_wait(seconds(90), 1000, 1.0) == hours(1));
    // An interval longer than the cap is never shortened by a failure.
    CHECK(next_wait(hours(2), 3, 1.0) == hours(2));
}

TEST_CASE("jitter takes up to half away, never below half the interval") {
    CHECK(next_wait(seconds(90), 2, 0.0) == seconds(180));
    CHECK(next_wait(seconds(90), 2, 0.5) == seconds(270));
    for (int i = 0; i < 100; ++i) {
        auto wait = next_wait(minutes(1), 3, random_unit());
        CHECK(wait >= minutes(4));
        CHECK(wait <= minutes(8));
    }
}
