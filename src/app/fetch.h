// The poll loop: connect, negotiate, receive, and again while the provider
// keeps delivering (Exim sends one message per session over TLS), until it
// says there is no more mail or --max-sessions is reached.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <optional>

#include "app/account.h"
#include "app/receiver.h"
#include "util/log.h"

namespace odmr::app {

struct FetchSummary {
    std::size_t sessions = 0;
    std::size_t delivered = 0;
    std::size_t failed = 0;  // messages refused because local delivery failed
    // Handed-off sessions that went on where they could not be followed:
    // they may have delivered mail that `delivered` does not count.
    std::size_t uncounted = 0;
    std::optional<Error> error;  // why the run stopped early, if it did
};

asio::awaitable<FetchSummary> fetch(const Account& account, Receiver& receiver,
                                    asio::ssl::context& tls_context, const Log& log);

// Exit status for a finished run (see app/exit_code.h).
int exit_code_for(const FetchSummary& summary);

}  // namespace odmr::app
