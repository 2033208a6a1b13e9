// The other way to finish a run (RFC 2645 §5, DESIGN.md): after ATRN's 250
// the reversed session is not served here but bridged, byte for byte, to a
// local SMTP server (TCP or UNIX socket) or to a program speaking SMTP on
// its standard input and output (`exim -bs`, `sendmail -bs`). The TLS
// session with the provider stays ours; the local server's replies are the
// provider's answers, so nothing is acknowledged that the MTA did not take.
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "deliver/local_endpoint.h"
#include "net/reader.h"
#include "smtp/server.h"
#include "util/log.h"

namespace odmr::app {

struct HandoffTarget {
    deliver::LocalEndpoint endpoint;  // handoff:tcp: and handoff:unix:
    std::vector<std::string> argv;    // handoff:exec: (then endpoint is unused)
};

struct HandoffLimits {
    Duration idle = std::chrono::minutes(5);   // no byte either way for this long: hang up
    Duration session = std::chrono::hours(3);  // the whole bridged session
    Duration connect = std::chrono::seconds(30);
};

// Bridges the session until either side closes it. The report counts the
// messages the local server accepted (see smtp::SessionObserver).
asio::awaitable<Result<smtp::SessionReport>> hand_off(net::Reader& provider,
                                                      const HandoffTarget& target,
                                                      const HandoffLimits& limits, const Log& log);

}  // namespace odmr::app
