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
#include "smtp/params.h"

namespace odmr::smtp {

// A message the sink has begun: aborted when dropped, unless committed.
class OpenMessage {
  public:
    OpenMessage() = default;
    explicit OpenMessage(mail::Sink& sink) : sink_(&sink) {}
    OpenMessage(OpenMessage&& other) noexcept : sink_(std::exchange(other.sink_, nullptr)) {}
    OpenMessage& operator=(OpenMessage&& other) noexcept;
    ~OpenMessage() { abort(); }

    bool is_open() const { return sink_ != nullptr; }
    // Only while open.
    asio::awaitable<Status> write(std::span<const char> bytes) { return sink_->write(bytes); }
    // The message is the sink's from now on (durable, or staged for its
    // sync); after a failure it is aborted.
    asio::awaitable<Status> commit();
    void abort();

  private:
    mail::Sink* sink_ = nullptr;
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
