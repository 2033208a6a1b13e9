// What receives the reversed sessions of a run, chosen once from the
// account's DeliveryKind: the sink kinds are served here by smtp::Server,
// handoff bridges each session to a local MTA (deliver::Handoff).
#pragma once

#include <asio/awaitable.hpp>
#include <memory>

#include "app/account.h"
#include "app/status_line.h"
#include "mail/sink.h"
#include "net/reader.h"
#include "smtp/server.h"
#include "util/log.h"
#include "util/time.h"

namespace odmr::app {

// What one reversed session did.
struct Received {
    smtp::SessionReport report;
    // False when a handoff could not follow the session to its end: the
    // report's counts are then lower bounds (see deliver::Handoff).
    bool counted = true;
};

class Receiver {
  public:
    // Opens nothing yet; a sink connects to its local peer on first use.
    static Result<Receiver> make(const Account& account, const Log& log);

    // Receives one reversed session on `reader`, whose turn was just accepted,
    // within `run` (--run-timeout). `counts` has what was delivered, also when
    // the session fails; `progress`, if any, watches the session.
    asio::awaitable<Result<Received>> receive(net::Reader& reader, Deadline run,
                                              smtp::SessionReport& counts, Progress* progress);
    // Ends the run: closes the sink's connections to local peers politely.
    asio::awaitable<void> close();

  private:
    Receiver(const Account& account, const Log& log) : account_(account), log_(log) {}

    const Account& account_;
    const Log& log_;
    std::unique_ptr<mail::Sink> sink_;  // every kind but handoff
};

}  // namespace odmr::app
