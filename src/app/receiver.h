// What receives the reversed sessions of a run, chosen once from the
// account's DeliveryKind: the sink kinds are served here by smtp::Server,
// handoff bridges each session to a local MTA (deliver::Handoff).
#pragma once

#include <asio/awaitable.hpp>
#include <memory>
#include <string>

#include "app/account.h"
#include "app/status_line.h"
#include "mail/sink.h"
#include "net/reader.h"
#include "smtp/resend_record.h"
#include "smtp/server.h"
#include "util/blocking_pool.h"
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
    // `state_directory`, if given: where the account's record of acknowledged
    // messages lives (duplicate suppression, smtp/resend_record.h), opened
    // with the first session received (a run the provider has no mail for
    // never reads it); one that cannot be used turns suppression off for the
    // run, with a warning. `pool`, if any, runs the Maildir sink's and the
    // record's flushes (util/blocking_pool.h); none: inline.
    static Result<Receiver> make(const Account& account, const Log& log,
                                 const std::string& state_directory = "",
                                 BlockingPool* pool = nullptr);

    // Receives one reversed session on `reader`, whose turn was just accepted,
    // within `run` (--run-timeout). `counts` has what was delivered, also when
    // the session fails; `progress`, if any, watches the session.
    asio::awaitable<Result<Received>> receive(net::Reader& reader, Deadline run,
                                              smtp::SessionReport& counts, Progress* progress);
    // Ends the run: closes the sink's connections to local peers politely.
    asio::awaitable<void> close();

  private:
    Receiver(const Account& account, const Log& log) : account_(account), log_(log) {}
    void open_record_once();

    const Account& account_;
    const Log& log_;
    std::unique_ptr<mail::Sink> sink_;  // every kind but handoff
    // Duplicate suppression; handoff leaves it to the local MTA.
    std::unique_ptr<smtp::ResendRecord> record_;
    std::string state_directory_;  // the record's, until it is opened
    BlockingPool* pool_ = nullptr;
};

}  // namespace odmr::app
