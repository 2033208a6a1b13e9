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

#include "deliver/handoff_gate.h"
#include "deliver/local_endpoint.h"
#include "net/reader.h"
#include "smtp/server.h"
#include "smtp/session_observer.h"
#include "util/log.h"
#include "util/time.h"

namespace odmr::deliver {

struct HandoffTarget {
    LocalEndpoint endpoint;         // handoff:tcp: and handoff:unix:
    std::vector<std::string> argv;  // handoff:exec: (then endpoint is unused)

    std::string describe() const;  // the endpoint, or the program's name in quotes
};

struct HandoffLimits {
    Duration idle = std::chrono::minutes(5);   // no byte either way for this long: hang up
    Duration session = std::chrono::hours(3);  // the whole bridged session
    Duration connect = std::chrono::seconds(30);
};

// The reversed session's second receiver, beside smtp::Server: where the
// server answers the provider itself, a Handoff lets the local MTA answer
// and counts, with an smtp::SessionObserver, what that MTA accepted. Only
// recipients `recipients` allows reach the MTA (deliver/handoff_gate).
class Handoff {
  public:
    Handoff(net::Reader& provider, const HandoffTarget& target, const HandoffLimits& limits,
            HandoffRecipients recipients, const Log& log);
    Handoff(const Handoff&) = delete;  // the observer's gate refers to refusals_
    Handoff& operator=(const Handoff&) = delete;

    // Bridges the session until either side closes it. The report counts
    // the messages the local server accepted and refused; every refusal is
    // a local one (SessionReport::failed == rejected). An error: the local
    // server could not be reached (the provider was told 421), or the
    // session went idle.
    asio::awaitable<Result<smtp::SessionReport>> run();

    // False when the observer could not follow the session to its end (a
    // line was too long, a body before 354): the bridge then hung up, since
    // what came next could not be checked; the counts are lower bounds.
    bool followed() const { return !observer_.lost(); }

  private:
    net::Reader& provider_;
    const HandoffTarget& target_;
    HandoffLimits limits_;  // a copy: callers pass temporaries
    const Log& log_;
    smtp::RefusalLog refusals_{log_};
    smtp::SessionObserver observer_;
};

}  // namespace odmr::deliver
