// The poll loop: connect, negotiate, receive, and again while the provider
// keeps delivering (Exim sends one message per session over TLS), until it
// says there is no more mail or --max-sessions is reached.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <optional>

#include "app/account.h"
#include "mail/sink.h"
#include "util/log.h"

namespace odmr::app {

struct FetchSummary {
    std::size_t sessions = 0;
    std::size_t delivered = 0;
    std::size_t failed = 0;      // messages refused because local delivery failed
    std::optional<Error> error;  // why the run stopped early, if it did
};

// The sink for the account's --deliver; none (nullptr) for handoff, where
// the session is bridged to a local MTA instead of served here.
Result<std::unique_ptr<mail::Sink>> make_sink(const Account& account, const Log& log);

asio::awaitable<FetchSummary> fetch(const Account& account, mail::Sink* sink,
                                    asio::ssl::context& tls_context, const Log& log);

// Exit status for a finished run (see app/exit_code.h).
int exit_code_for(const FetchSummary& summary);

}  // namespace odmr::app
