// Delivery by relaying each message to a local LMTP server (Dovecot,
// Cyrus) or SMTP server (Postfix, Exim) as a client: the peer's answers
// become ours. The server gives us one recipient per transaction, so the
// peer's reply for that recipient — to RCPT, or after the data (LMTP: one
// reply per recipient) — is exactly what the provider is told. 5xx is passed
// on as permanent only where it is (RCPT, end of data; not "mailbox full");
// anything unsure is 4xx.
//
// One connection is kept for the whole run (LHLO/EHLO once), with PIPELINING
// when offered, and reopened when the peer closed it between messages. A
// message cut off before its end is never completed: the connection is
// dropped, and the peer discards what it got.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "deliver/local_endpoint.h"
#include "deliver/relay_reply.h"
#include "mail/sink.h"
#include "net/reader.h"
#include "smtp/client.h"
#include "smtp/dot_encoder.h"
#include "smtp/reply.h"
#include "util/log.h"

namespace odmr::deliver {

enum class RelayProtocol { lmtp, smtp };

struct RelayConfig {
    RelayProtocol protocol = RelayProtocol::lmtp;
    LocalEndpoint endpoint;
    std::string helo_name;  // our name for LHLO/EHLO
    Duration timeout = std::chrono::minutes(5);
};

class RelaySink final : public mail::Sink {
  public:
    RelaySink(RelayConfig config, const Log& log);
    ~RelaySink() override;

    asio::awaitable<Status> begin(const mail::Envelope& envelope) override;
    asio::awaitable<Status> write(std::span<const char> bytes) override;
    asio::awaitable<Status> commit() override;
    void abort() override;
    bool per_recipient_outcomes() const override { return true; }
    const mail::Reply* failure_reply() const override {
        return failure_.code ? &failure_ : nullptr;
    }
    asio::awaitable<void> close() override;

  private:
    struct Connection;

    asio::awaitable<Status> open();
    asio::awaitable<Status> transaction(const mail::Envelope& envelope, bool& stale);
    asio::awaitable<Result<smtp::Reply>> reply();
    asio::awaitable<Status> send_buffer();
    Status refused(const smtp::Reply& reply, bool permanent_allowed, const std::string& step);
    void drop();
    std::string name() const;

    RelayConfig config_;
    const Log& log_;
    std::unique_ptr<Connection> connection_;
    bool in_data_ = false;
    std::string recipient_;
    std::string id_;
    std::string buffer_;
    smtp::DotEncoder encoder_;
    mail::Reply failure_;
};

}  // namespace odmr::deliver
