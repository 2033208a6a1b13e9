// One mail transaction of the reversed session, from MAIL to the reply after
// its data. A new transaction starts by assigning a fresh one; a message the
// sink had begun is then aborted (OpenMessage), so no path can leave one
// open or forget a field.
#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>

#include "mail/sink.h"
#include "smtp/line_meter.h"
#include "smtp/message_digest.h"
#include "smtp/params.h"

namespace odmr::smtp {

// A message the sink has begun: aborted when dropped, unless committed.
// When fingerprinted, its data is hashed on its way to the sink (the one
// place every DATA and BDAT byte passes).
class OpenMessage {
  public:
    OpenMessage() = default;
    explicit OpenMessage(mail::Sink& sink) : sink_(&sink) {}
    OpenMessage(OpenMessage&& other) noexcept
        : sink_(std::exchange(other.sink_, nullptr)), digest_(std::move(other.digest_)) {}
    OpenMessage& operator=(OpenMessage&& other) noexcept;
    ~OpenMessage() { abort(); }

    bool is_open() const { return sink_ != nullptr; }
    // Hash the envelope and the data from now on (duplicate suppression).
    void fingerprint(const mail::Envelope& envelope) { digest_.emplace(envelope); }
    // After the last write, once; nothing when not fingerprinted or untraced.
    std::optional<Fingerprint> finish_fingerprint() {
        return digest_ ? std::exchange(digest_, std::nullopt)->finish() : std::nullopt;
    }
    // Only while open.
    asio::awaitable<Status> write(std::span<const char> bytes) {
        if (digest_) digest_->update(bytes);
        return sink_->write(bytes);
    }
    // The message is the sink's from now on (durable, or staged for its
    // sync); after a failure it is aborted.
    asio::awaitable<Status> commit();
    void abort();

  private:
    mail::Sink* sink_ = nullptr;
    std::optional<MessageDigest> digest_;
};

struct Transaction {
    mail::Envelope envelope;
    MailParams mail;
    OpenMessage message;                 // once the sink has begun the message
    std::size_t size = 0;                // octets of message data so far
    LineMeter lines;                     // BDAT: line lengths across chunks
    std::optional<mail::Reply> refusal;  // the first reason to refuse the message

    // Refuses the message with `reply` once its data has been read; the rest
    // of the data goes nowhere. The first reason wins.
    void refuse(mail::Reply reply) {
        if (!refusal) refusal = std::move(reply);
    }
    bool refused() const { return refusal.has_value(); }
};

}  // namespace odmr::smtp
