#include "smtp/outbox.h"

#include <cassert>
#include <charconv>
#include <cstring>
#include <ctime>
#include <iterator>

namespace odmr::smtp {

void Outbox::reply(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text, "");
}

// Straight into output_ (no line of its own: one of these per command),
// sized once.
void Outbox::reply(int code, std::string_view enhanced, std::string_view text,
                   std::string_view more) {
    char digits[16];
    auto digits_end = std::to_chars(std::begin(digits), std::end(digits), code).ptr;
    std::string_view number(digits, static_cast<std::size_t>(digits_end - digits));
    std::size_t length = number.size() + 1 + (enhanced.empty() ? 0 : enhanced.size() + 1) +
                         text.size() + more.size();
    std::size_t start = output_.size();
    output_.resize(start + length + 2);
    char* to = output_.data() + start;
    auto put = [&](std::string_view piece) {
        std::memcpy(to, piece.data(), piece.size());
        to += piece.size();
    };
    put(number);
    *to++ = ' ';
    if (!enhanced.empty()) {
        put(enhanced);
        *to++ = ' ';
    }
    put(text);
    put(more);
    put("\r\n");
    log_.wire("C> ", std::string_view(output_).substr(start, length));
}

void Outbox::reply_lines(int code, const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string line = std::to_string(code) + (i + 1 < lines.size() ? "-" : " ") + lines[i];
        log_.wire("C> ", line);
        output_ += line;
        output_ += "\r\n";
    }
}

void Outbox::acknowledge(const Committed& message) {
    ++unsent_acks_;
    if (log_.level() >= 2)
        log_.info("message " + message.id + " from <" + message.sender + "> delivered (" +
                  std::to_string(message.size) + " octets, " + std::to_string(message.recipients) +
                  " recipient" + (message.recipients == 1 ? "" : "s") + ")");
    reply(250, "2.0.0", "OK delivered as ", message.id);
}

void Outbox::stage(Committed message) {
    staged_.push_back({std::move(message), output_.size()});
}

asio::awaitable<Outbox::Settled> Outbox::settle(mail::Sink& sink, ResendRecord* record) {
    Settled settled;
    if (staged_.empty()) co_return settled;
    auto synced = co_await sink.sync();
    if (!synced)
        log_.error("storing " + std::to_string(staged_.size()) +
                   " message(s): " + synced.error().message());
    if (synced && record != nullptr) {
        // Durable now, not yet acknowledged: the batch's one record write.
        std::vector<const Committed*> batch;
        batch.reserve(staged_.size());
        for (const auto& staged : staged_) batch.push_back(&staged.message);
        if (remembers_later(record))
            co_await remember_later(record, batch, log_);
        else
            remember(record, batch, log_);
    }
    // Each reply goes where the message's 250 would have been, in order.
    std::string& rest = settling_;  // swapped, so both keep their capacity
    rest.swap(output_);
    output_.clear();
    std::size_t taken = 0;
    for (const auto& staged : staged_) {
        output_.append(rest, taken, staged.offset - taken);
        taken = staged.offset;
        if (synced) {
            acknowledge(staged.message);
            ++settled.delivered;
            settled.octets += staged.message.size;
        } else {
            reply(451, "4.3.0", "Local delivery failed, try again later");
            ++settled.failed;
        }
    }
    output_.append(rest, taken);
    rest.clear();
    staged_.clear();
    co_return settled;
}

namespace {

std::vector<ResendEntry> fingerprints(std::span<const Committed* const> messages) {
    std::vector<ResendEntry> entries;
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    for (const Committed* message : messages) {
        if (message->fingerprint)
            entries.push_back({message->fingerprint->digest, now, message->fingerprint->trace});
    }
    return entries;
}

void tell_unrecorded(const Status& added, std::size_t count, const Log& log) {
    if (!added)
        log.warning("cannot record " + std::to_string(count) +
                    " acknowledged message(s) against a resend: " + added.error().message() +
                    "; if a 250 is lost now, the provider's copy will be delivered twice");
}

}  // namespace

void remember(ResendRecord* record, std::span<const Committed* const> messages, const Log& log) {
    if (record == nullptr) return;
    std::vector<ResendEntry> entries = fingerprints(messages);
    tell_unrecorded(record->add(entries), entries.size(), log);
}

asio::awaitable<void> remember_later(ResendRecord* record,
                                     std::span<const Committed* const> messages, const Log& log) {
    if (record == nullptr) co_return;
    std::vector<ResendEntry> entries = fingerprints(messages);
    Status added = co_await record->store(entries);
    tell_unrecorded(added, entries.size(), log);
}

std::size_t Outbox::withdraw(mail::Sink& sink) {
    std::size_t count = staged_.size();
    if (count > 0) sink.withdraw();
    staged_.clear();
    return count;
}

asio::awaitable<Status> Outbox::send(net::Stream& stream, Duration timeout) {
    assert(staged_.empty());
    if (output_.empty()) co_return Status{};
    auto status = co_await stream.write(output_, timeout);
    output_.clear();
    if (!status && unsent_acks_ > 0)
        log_.warning(std::to_string(unsent_acks_) +
                     " delivered message(s) may not have been acknowledged to the provider, "
                     "which may send them again");
    unsent_acks_ = 0;
    co_return status;
}

}  // namespace odmr::smtp
