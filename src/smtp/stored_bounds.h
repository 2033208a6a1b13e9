// Bounds on the octets a provider can make us store (issue 12, item 7): one
// 1 MiB message to 100 recipients is 100 MiB once routing gives each its
// own Maildir. A message's cost is its size times its separate copies
// (mail::Sink::copies); it is bounded per message and per session.
//
// At RCPT the size is MAIL's SIZE= or, when the provider declared none,
// the largest size we accept (ServerConfig::max_message_size): the message
// can then never turn out too big for its recipients at the end of its
// data, where a 4xx would have the provider send it again, the same way,
// forever. Only a provider that declared less than it sent gets there, and
// gets 552.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mail/reply.h"

namespace odmr::smtp {

struct StoredLimits {
    std::uint64_t per_message = std::uint64_t{1} << 30;
    std::uint64_t per_session = std::uint64_t{10} << 30;
};

// `size` times `copies`, saturating.
std::uint64_t stored_octets(std::uint64_t size, std::size_t copies);

// At RCPT, for the recipient that makes the message `copies` copies of
// `size` octets, with `stored` octets already stored in this session: 452
// 4.5.3 when the message would pass its bound (never for a single copy:
// the provider would have no way to send it), 452 4.3.1 when the session
// would (never for the session's first message). Nothing to accept.
std::optional<mail::Reply> recipient_over_bounds(const StoredLimits& limits, std::uint64_t size,
                                                 std::size_t copies, std::uint64_t stored);

// At the end of the data: 552 5.3.4 when the real size times the copies
// passes the per-message bound (a SIZE= that lied, see above).
std::optional<mail::Reply> message_over_bound(const StoredLimits& limits, std::uint64_t size,
                                              std::size_t copies);

}  // namespace odmr::smtp
