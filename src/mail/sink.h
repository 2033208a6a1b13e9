// Where received messages go. The reversed SMTP server hands each message
// to a Sink: begin(envelope), write(chunk)..., then commit() — which returns
// only when the message is durable for every recipient — or abort().
// The server replies 250 to the provider only after commit() succeeded.
//
// Group commit: a sink that batches() may return from commit() with the
// message complete but not yet durable; sync() then makes every message
// committed since the last sync durable at once (or none of them), and
// withdraw() throws them away. The server calls sync() before any 250 for
// such a message leaves, so several pipelined messages share one sync.
#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "mail/envelope.h"
#include "mail/reply.h"
#include "util/result.h"

namespace odmr::mail {

class Sink {
  public:
    virtual ~Sink() = default;

    // Asked at each RCPT the server would accept (in an ATRN domain, within
    // its limits): a reply that refuses this one recipient (4xx: later, 5xx:
    // never) while the others of the message go on, or nothing to accept it.
    // `declared_size`: MAIL's SIZE=, 0 when not declared.
    virtual asio::awaitable<std::optional<Reply>> check_recipient(std::string_view /*recipient*/,
                                                                  std::uint64_t /*declared_size*/) {
        co_return std::nullopt;
    }

    // Asked at MAIL: a reply that refuses this sender (no transaction
    // starts), or nothing to accept it. `sender` is empty for <>.
    virtual std::optional<Reply> check_sender(std::string_view /*sender*/) const {
        return std::nullopt;
    }

    // How many separate copies this sink stores of one message to
    // `recipients` recipients: one, unless they go to different places
    // (routed Maildirs). The server bounds size x copies (ServerConfig).
    virtual std::size_t copies(std::size_t /*recipients*/) const { return 1; }

    // Body bytes passed to write() are the message as sent (dot-unstuffed),
    // with CRLF line ends, in chunks of any size.
    virtual asio::awaitable<Status> begin(const Envelope& envelope) = 0;
    virtual asio::awaitable<Status> write(std::span<const char> bytes) = 0;
    // Errc::permanent means "never retry this message"; anything else is
    // temporary (the provider keeps the message).
    virtual asio::awaitable<Status> commit() = 0;
    // Forgets the message; nothing of it may ever be delivered.
    virtual void abort() = 0;

    virtual bool batches() const { return false; }
    virtual asio::awaitable<Status> sync() { co_return Status{}; }
    virtual void withdraw() {}

    // True when different recipients of one message may get different
    // outcomes (LMTP, per-recipient MDA). The server then takes one
    // recipient per transaction (DESIGN.md rule 2).
    virtual bool per_recipient_outcomes() const { return false; }

    // After a failed begin() or commit() (until the next begin(), whatever
    // abort() did): the peer's reply to pass on, if the sink has one;
    // nullptr means "use a generic reply for the error".
    virtual const Reply* failure_reply() const { return nullptr; }

    // Ends the run: closes connections to local peers politely. Called once
    // after the last session, on the same executor.
    virtual asio::awaitable<void> close() { co_return; }
};

}  // namespace odmr::mail
