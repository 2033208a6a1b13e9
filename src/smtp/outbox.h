// Replies on their way to the provider, and the messages whose 250 waits for
// the sink's next sync (group commit).
//
// Replies are queued and written together when the provider has no more
// pipelined commands waiting (RFC 2920). A message committed to a batching
// sink is staged with the place its reply belongs in that queue; settle()
// syncs the sink and then writes each staged message's reply into its place:
// 250 when the sync made it durable, 451 when it did not. So a 250 never
// leaves before the message is durable, and replies keep their order.
#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mail/sink.h"
#include "net/stream.h"
#include "smtp/params.h"
#include "smtp/resend_record.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

// A message the sink committed, as its 250 and the log describe it.
struct Committed {
    std::string id;
    std::string sender;
    std::size_t recipients = 0;
    std::size_t size = 0;
    std::optional<Fingerprint> fingerprint{};  // to record before its 250 (resend_record.h)
};

// Records the fingerprints of `messages`, durable messages whose 250 is about
// to be queued, in one write and one fdatasync. A failure is logged and costs
// at worst a duplicate later: the 250s go out anyway.
void remember(ResendRecord* record, std::span<const Committed* const> messages, const Log& log);
// The same with the write and the fdatasync on the record's pool, when
// remembers_later(record) (resend_record.h, flush_on()); else remember()
// costs no coroutine.
asio::awaitable<void> remember_later(ResendRecord* record,
                                     std::span<const Committed* const> messages, const Log& log);
inline bool remembers_later(const ResendRecord* record) {
    return record != nullptr && record->flushes_on_pool();
}

class Outbox {
  public:
    explicit Outbox(const Log& log) : log_(log) {}

    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply(const mail::Reply& reply) { this->reply(reply.code, reply.enhanced, reply.text); }
    void reply_lines(int code, const std::vector<std::string>& lines);

    // The message is durable: its 250 is queued now.
    void acknowledge(const Committed& message);
    // The message waits for the sink's next sync; its reply is decided then.
    void stage(Committed message);
    std::size_t staged() const { return staged_.size(); }

    struct Settled {
        std::size_t delivered = 0;  // acknowledged with 250
        std::size_t octets = 0;     // their message data
        std::size_t failed = 0;     // the sync failed: 451, still the provider's
    };
    // Syncs `sink` (when anything is staged), records the synced messages in
    // `record` (if any), then places each staged reply.
    asio::awaitable<Settled> settle(mail::Sink& sink, ResendRecord* record = nullptr);
    // Throws the staged messages away (the provider never heard 250 for
    // them, so it still has them); returns how many.
    std::size_t withdraw(mail::Sink& sink);

    // Writes every queued reply. Settle first: a staged reply has no text yet.
    asio::awaitable<Status> send(net::Stream& stream, Duration timeout);
    // 250s after message data are queued and not yet written.
    bool acknowledgements_due() const { return unsent_acks_ > 0; }

  private:
    // The reply's text is `text` followed by `more`.
    void reply(int code, std::string_view enhanced, std::string_view text, std::string_view more);

    struct Staged {
        Committed message;
        std::size_t offset = 0;  // where its reply belongs in output_
    };

    const Log& log_;
    std::string output_;
    std::string settling_;         // settle()'s copy of output_, kept for its capacity
    std::size_t unsent_acks_ = 0;  // 250s after message data queued but not yet written
    std::vector<Staged> staged_;
};

}  // namespace odmr::smtp
