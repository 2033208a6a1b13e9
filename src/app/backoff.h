// The poll loop's wait (--interval): the interval after a poll that went
// well (mail or no mail), and after failures an exponential backoff with
// jitter so that many hosts failing together do not come back together.
#pragma once

#include "app/duration.h"

namespace odmr::app {

// After `failures` consecutive failed polls (0: the last one went well):
// interval * 2^failures, at most max(interval, cap), then scaled by a
// random factor in [0.5, 1] (`random01` in [0, 1]); never below the
// interval's half.
Millis next_wait(Millis interval, unsigned failures, double random01,
                 Millis cap = std::chrono::hours(1));

// A uniformly random number in [0, 1] (libsodium).
double random_unit();

}  // namespace odmr::app
