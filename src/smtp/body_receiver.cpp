#include "smtp/body_receiver.h"

#include <algorithm>

namespace odmr::smtp {
namespace {

constexpr std::size_t body_chunk = 64 * 1024;

}  // namespace

void BodyReceiver::check_size(Transaction& transaction) const {
    if (transaction.size > config_.max_message_size)
        transaction.refuse({552, "5.3.4", "Message size exceeds fixed limit"});
}

void BodyReceiver::check_line(Transaction& transaction, std::size_t longest) const {
    if (longest > config_.max_body_line)
        transaction.refuse(
            {552, "5.3.4",
             "Message line longer than " + std::to_string(config_.max_body_line) + " octets"});
}

asio::awaitable<Status> BodyReceiver::dot_body(Transaction& transaction, const Deadline& deadline) {
    decoder_.reset();
    body_.clear();
    for (;;) {
        if (reader_.buffered().empty()) {
            auto n = co_await reader_.fill(deadline.left(config_.data_timeout));
            if (!n) {
                const std::string& id = transaction.envelope.id;
                log_.error("message " + id + ": " + n.error().message() +
                           " before the end of the message data; it was not delivered");
                body_.clear();
                co_return make_error(n.error().code, "receiving message " + id);
            }
        }
        std::size_t before = body_.size();
        auto step = decoder_.decode(reader_.buffered(), body_);
        reader_.consume(step.consumed);
        transaction.size += body_.size() - before;
        check_size(transaction);
        check_line(transaction, decoder_.longest_line());
        if (transaction.refused()) {
            body_.clear();
        } else if (body_.size() >= body_chunk || step.done) {
            if (!body_.empty()) co_await hand_on(transaction, body_);
            body_.clear();
        }
        if (step.done) co_return Status{};
    }
}

// The one place every octet of message data passes, once and in order, on
// its way to the sink: DATA decoded, BDAT as it came. Whatever must see the
// whole body (a digest) looks here, at bytes still in cache.
asio::awaitable<void> BodyReceiver::hand_on(Transaction& transaction, std::span<const char> bytes) {
    if (auto written = co_await transaction.message.write(bytes); !written) {
        log_.error("message " + transaction.envelope.id + ": " + written.error().message());
        transaction.refuse({451, "4.3.0", "Local delivery failed, try again later"});
    }
}

asio::awaitable<Status> BodyReceiver::chunk(std::size_t size, Transaction* transaction,
                                            const Deadline& deadline) {
    std::size_t remaining = size;
    while (remaining > 0) {
        if (reader_.buffered().empty()) {
            auto n = co_await reader_.fill(deadline.left(config_.data_timeout));
            if (!n) {
                log_.error("BDAT chunk: " + n.error().message() + " with " +
                           std::to_string(remaining) + " of " + std::to_string(size) +
                           " octets missing; the message was not delivered");
                co_return make_error(n.error().code, "receiving a BDAT chunk");
            }
        }
        auto data = reader_.buffered();
        auto piece = data.first(std::min(remaining, data.size()));
        if (transaction != nullptr) co_await keep_chunk(*transaction, piece);
        reader_.consume(piece.size());
        remaining -= piece.size();
    }
    co_return Status{};
}

// BDAT data is never unstuffed: it goes to the sink as it came.
asio::awaitable<void> BodyReceiver::keep_chunk(Transaction& transaction,
                                               std::span<const char> piece) {
    if (transaction.refused()) co_return;
    if (transaction.mail.body != mail::BodyType::binary_mime) {
        transaction.lines.measure(piece, config_.max_body_line);
        check_line(transaction, transaction.lines.longest_so_far());
        if (transaction.refused()) co_return;
    }
    transaction.size += piece.size();
    check_size(transaction);
    if (transaction.refused()) co_return;
    co_await hand_on(transaction, piece);
}

}  // namespace odmr::smtp
