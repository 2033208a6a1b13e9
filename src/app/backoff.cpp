#include "app/backoff.h"

#include <sodium.h>

#include <algorithm>

namespace odmr::app {

Millis next_wait(Millis interval, unsigned failures, double random01, Millis cap) {
    if (failures == 0) return interval;
    Millis limit = std::max(interval, cap);
    Millis wait = interval;
    for (unsigned i = 0; i < failures && wait < limit; ++i) wait *= 2;
    wait = std::min(wait, limit);
    double factor = 0.5 + 0.5 * std::clamp(random01, 0.0, 1.0);
    auto jittered = Millis(static_cast<Millis::rep>(static_cast<double>(wait.count()) * factor));
    return std::max(jittered, interval / 2);
}

double random_unit() {
    return static_cast<double>(randombytes_uniform(1000001)) / 1000000.0;
}

}  // namespace odmr::app
