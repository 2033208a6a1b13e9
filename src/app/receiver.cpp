#include "app/receiver.h"

#include <cstdlib>

#include "app/lock.h"
#include "deliver/handoff.h"
#include "deliver/maildir_sink.h"
#include "deliver/mda_sink.h"
#include "deliver/relay_sink.h"

namespace odmr::app {
namespace {

std::unique_ptr<mail::Sink> make_sink(const Account& account, const Log& log, BlockingPool* pool) {
    const DeliverySpec& spec = account.delivery;
    const std::string& hostname = account.server.hostname;
    switch (spec.kind) {
        case DeliveryKind::maildir:
            return std::make_unique<deliver::MaildirSink>(
                spec.target, hostname, log,
                deliver::MaildirOptions{.existing_only = account.maildir_existing_only}, pool);
        case DeliveryKind::mda: {
            const char* tmpdir =
                std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): before any thread
            deliver::MdaConfig config{spec.argv, account.mda_timeout,
                                      tmpdir != nullptr && *tmpdir == '/' ? tmpdir : "/tmp"};
            return std::make_unique<deliver::MdaSink>(std::move(config), log);
        }
        case DeliveryKind::lmtp:
        case DeliveryKind::smtp: {
            auto protocol = spec.kind == DeliveryKind::lmtp ? deliver::RelayProtocol::lmtp
                                                            : deliver::RelayProtocol::smtp;
            return std::make_unique<deliver::RelaySink>(
                deliver::RelayConfig{protocol, spec.endpoint, hostname,
                                     account.server.data_timeout},
                log);
        }
        case DeliveryKind::handoff:
            break;
    }
    return nullptr;
}

// Like Dovecot's duplicate database: a record we cannot keep never stops
// mail; it only leaves the lost-250 window open, which the user hears once.
std::unique_ptr<smtp::ResendRecord> open_record(const std::string& directory,
                                                const std::string& account, const Log& log) {
    auto ready = ensure_private_directory(directory);
    if (ready) {
        auto opened = smtp::ResendRecord::open(
            directory, smtp::safe_file_name(account) + ".acknowledged", log);
        if (opened) return std::make_unique<smtp::ResendRecord>(std::move(*opened));
        ready = opened.error();
    }
    log.warning("duplicate suppression is off for this run (" + ready.error().message() +
                "): a message whose 250 is lost may be delivered twice");
    return nullptr;
}

}  // namespace

Result<Receiver> Receiver::make(const Account& account, const Log& log,
                                const std::string& state_directory, BlockingPool* pool) {
    Receiver receiver(account, log);
    if (account.delivery.kind == DeliveryKind::handoff) return receiver;
    receiver.sink_ = make_sink(account, log, pool);
    receiver.pool_ = pool;
    if (!receiver.sink_) return make_error(Errc::software, "no sink for this delivery kind");
    receiver.state_directory_ = state_directory;
    return receiver;
}

void Receiver::open_record_once() {
    if (state_directory_.empty()) return;
    record_ = open_record(state_directory_, account_.name, log_);
    if (record_) record_->flush_on(pool_);
    state_directory_.clear();
}

asio::awaitable<Result<Received>> Receiver::receive(net::Reader& reader, Deadline run,
                                                    smtp::SessionReport& counts,
                                                    Progress* progress) {
    if (account_.delivery.kind != DeliveryKind::handoff) {
        open_record_once();
        smtp::ServerConfig config = account_.server;
        config.session_timeout = run.left(config.session_timeout);
        smtp::Server server(reader, *sink_, config, log_, record_.get());
        if (progress != nullptr) progress->server = &server;
        auto report = co_await server.run();
        if (progress != nullptr) progress->server = nullptr;
        counts = server.progress();
        if (!report) co_return report.error();
        co_return Received{*report, true};
    }
    deliver::HandoffLimits limits{account_.server.command_timeout,
                                  run.left(account_.server.session_timeout),
                                  run.left(account_.connect_timeout)};
    deliver::HandoffRecipients recipients{account_.server.domains,
                                          account_.server.refuse_routing_addresses};
    deliver::Handoff handoff(reader, account_.delivery.handoff, limits, std::move(recipients),
                             log_);
    auto report = co_await handoff.run();
    if (!report) co_return report.error();
    counts = *report;
    co_return Received{*report, handoff.followed()};
}

asio::awaitable<void> Receiver::close() {
    if (sink_) co_await sink_->close();
}

}  // namespace odmr::app
