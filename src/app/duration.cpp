#include "app/duration.h"

#include <charconv>

namespace odmr::app {

Result<Millis> parse_duration(std::string_view text) {
    auto invalid = [&] {
        return make_error(Errc::usage, "invalid duration \"" + std::string(text) +
                                           "\" (expected e.g. 90s, 5m, 1h or 250ms)");
    };
    unsigned long long number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end == text.data()) return invalid();
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    unsigned long long scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1000;
    else if (unit == "ms")
        scale = 1;
    else if (unit == "m" || unit == "min")
        scale = 60 * 1000;
    else if (unit == "h")
        scale = 3600 * 1000;
    else if (unit == "d")
        scale = 24 * 3600 * 1000;
    else
        return invalid();
    constexpr unsigned long long max_ms = 366ULL * 24 * 3600 * 1000;  // a year is plenty
    if (number > max_ms / scale) return invalid();
    return Millis(static_cast<Millis::rep>(number * scale));
}

std::string format_duration(Millis duration) {
    auto ms = duration.count();
    if (ms % 1000 != 0 && ms < 10000) return std::to_string(ms) + "ms";
    auto s = (ms + 500) / 1000;  // a long wait to the nearest second
    std::string out;
    if (s >= 3600) out += std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
    if (s % 60 != 0 || out.empty()) out += std::to_string(s % 60) + "s";
    return out;
}

}  // namespace odmr::app
