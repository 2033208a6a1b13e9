// DURATION values (--interval, --retry-delay): a whole number with a unit,
// "250ms", "90s", "5m", "1h", or a bare number of seconds. Milliseconds are
// there for tests and for the odd fast local provider.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr::app {

using Millis = std::chrono::milliseconds;

Result<Millis> parse_duration(std::string_view text);

// For the log: "90s", "5m", "1h30m", "250ms".
std::string format_duration(Millis duration);

}  // namespace odmr::app
