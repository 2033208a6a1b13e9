#include "util/time.h"

#include <doctest/doctest.h>

#include <thread>

using namespace odmr;
using namespace std::chrono_literals;

TEST_CASE("a deadline hands out what is left of its budget, never less than nothing") {
    Deadline deadline(10min);
    CHECK_FALSE(deadline.passed());
    CHECK(deadline.left() > 9min);
    CHECK(deadline.left() <= 10min);
    CHECK(deadline.left(1s) == 1s);  // one step of a longer operation

    Deadline spent(1ms);
    std::this_thread::sleep_for(5ms);
    CHECK(spent.passed());
    CHECK(spent.left() == Duration::zero());
    CHECK(spent.left(1s) == Duration::zero());
}
