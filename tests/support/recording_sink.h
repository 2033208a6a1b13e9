// A Sink that keeps everything in memory and fails on request: the test
// double for whatever drives a Sink (the reversed session's tests).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mail/sink.h"
#include "util/result.h"

namespace odmr::test {

class RecordingSink final : public mail::Sink {
  public:
    bool fail_begin = false;
    bool fail_write = false;
    std::optional<Errc> fail_commit;
    bool per_recipient = false;
    bool batching = false;  // group commit: commit() stages, sync() makes durable
    std::optional<Errc> fail_sync;

    std::vector<mail::Envelope> begun;
    std::vector<std::string>
        delivered;  // bodies of committed (and, when batching, synced) messages
    std::vector<std::string> staged;
    int aborts = 0;
    int syncs = 0;
    int withdrawals = 0;
    std::string refused_recipient;              // check_recipient() refuses it with 553 5.1.3
    std::uint64_t declared_size_seen = 0;       // check_recipient()'s last declared size
    std::optional<std::string> refused_sender;  // check_sender() refuses it with 553 5.1.7
    bool copy_per_recipient = false;            // copies(): like a routed Maildir

    std::optional<mail::Reply> check_sender(std::string_view sender) const override {
        if (!refused_sender || sender != *refused_sender) return std::nullopt;
        return mail::Reply{553, "5.1.7", "Refused by the test sink"};
    }
    std::size_t copies(std::size_t recipients) const override {
        return copy_per_recipient ? recipients : 1;
    }

    asio::awaitable<std::optional<mail::Reply>> check_recipient(
        std::string_view recipient, std::uint64_t declared_size) override {
        declared_size_seen = declared_size;
        if (recipient != refused_recipient) co_return std::nullopt;
        co_return mail::Reply{553, "5.1.3", "Refused by the test sink"};
    }

    asio::awaitable<Status> begin(const mail::Envelope& envelope) override {
        if (fail_begin) co_return make_error(Errc::storage, "begin refused by the test");
        begun.push_back(envelope);
        current_.clear();
        co_return Status{};
    }
    asio::awaitable<Status> write(std::span<const char> bytes) override {
        if (fail_write) co_return make_error(Errc::storage, "write refused by the test");
        current_.append(bytes.data(), bytes.size());
        co_return Status{};
    }
    asio::awaitable<Status> commit() override {
        if (fail_commit) co_return make_error(*fail_commit, "commit refused by the test");
        (batching ? staged : delivered).push_back(std::move(current_));
        current_.clear();
        co_return Status{};
    }
    void abort() override {
        ++aborts;
        current_.clear();
    }
    bool per_recipient_outcomes() const override { return per_recipient; }
    bool batches() const override { return batching; }
    asio::awaitable<Status> sync() override {
        ++syncs;
        if (fail_sync) {
            staged.clear();
            co_return make_error(*fail_sync, "sync refused by the test");
        }
        for (auto& body : staged) delivered.push_back(std::move(body));
        staged.clear();
        co_return Status{};
    }
    void withdraw() override {
        withdrawals += static_cast<int>(staged.size());
        staged.clear();
    }

  private:
    std::string current_;
};

}  // namespace odmr::test
