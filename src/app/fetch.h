// The poll loop: connect, negotiate, receive, and again while the provider
// keeps delivering (Exim sends one message per session over TLS), until it
// says there is no more mail or --max-sessions is reached.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <stop_token>

#include "app/account.h"
#include "app/duration.h"
#include "app/job_slots.h"
#include "app/receiver.h"
#include "app/status_line.h"
#include "mail/sink.h"
#include "util/log.h"

namespace odmr::app {

struct FetchSummary {
    std::size_t sessions = 0;
    std::size_t delivered = 0;
    std::size_t failed = 0;      // messages refused because local delivery failed
    std::size_t octets = 0;      // message data of the delivered messages
    std::size_t duplicates = 0;  // sent again after a lost 250: answered 250, not stored again
    // Handed-off sessions that went on where they could not be followed:
    // they may have delivered mail that `delivered` does not count.
    std::size_t uncounted = 0;
    std::string tls_version;     // of the last session ("TLSv1.3"), empty without TLS
    std::string mechanism;       // SASL mechanism of the last session
    std::optional<Error> error;  // why the run stopped early, if it did
};

// How the poll loop behaves beyond the account (app/run_options.h).
struct FetchControl {
    std::stop_token stop;          // SIGTERM/SIGINT: no new session, the current one ends with 421
    Millis retry_delay{0};         // ask once more after a delivery and an empty turn (0: never)
    Progress* progress = nullptr;  // for the status line, if there is one
    JobSlots::Slot* slot = nullptr;  // the account's --jobs slot, given away during the pause
};

asio::awaitable<FetchSummary> fetch(const Account& account, Receiver& receiver,
                                    asio::ssl::context& tls_context, const Log& log,
                                    const FetchControl& control = {});

}  // namespace odmr::app
