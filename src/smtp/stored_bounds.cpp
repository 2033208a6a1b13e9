#include "smtp/stored_bounds.h"

#include <limits>

namespace odmr::smtp {

std::uint64_t stored_octets(std::uint64_t size, std::size_t copies) {
    constexpr auto most = std::numeric_limits<std::uint64_t>::max();
    if (copies != 0 && size > most / copies) return most;
    return size * copies;
}

std::optional<mail::Reply> recipient_over_bounds(const StoredLimits& limits, std::uint64_t size,
                                                 std::size_t copies, std::uint64_t stored) {
    std::uint64_t octets = stored_octets(size, copies);
    if (copies > 1 && octets > limits.per_message)
        return mail::Reply{452, "4.5.3",
                           "Too many recipients for a message this size, send the rest in "
                           "another transaction"};
    if (stored > 0 && (octets > limits.per_session || stored > limits.per_session - octets))
        return mail::Reply{452, "4.3.1",
                           "Storage for this session used up, send the rest in the next session"};
    return std::nullopt;
}

std::optional<mail::Reply> message_over_bound(const StoredLimits& limits, std::uint64_t size,
                                              std::size_t copies) {
    if (copies <= 1 || stored_octets(size, copies) <= limits.per_message) return std::nullopt;
    return mail::Reply{552, "5.3.4",
                       "Message larger than declared, too large for this many recipients"};
}

}  // namespace odmr::smtp
