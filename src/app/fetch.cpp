#include "app/fetch.h"

#include <cstdlib>
#include "app/exit_code.h"

#include "app/handoff.h"
#include "deliver/maildir_sink.h"
#include "deliver/mda_sink.h"
#include "deliver/relay_sink.h"
#include "net/connect.h"
#include "net/reader.h"
#include "net/route.h"
#include "odmr/customer.h"
#include "smtp/server.h"
#include "util/time.h"

namespace odmr::app {

Result<std::unique_ptr<mail::Sink>> make_sink(const Account& account, const Log& log) {
    const DeliverySpec& spec = account.delivery;
    const std::string& hostname = account.server.hostname;
    std::unique_ptr<mail::Sink> sink;
    if (spec.kind == "maildir") {
        sink = std::make_unique<deliver::MaildirSink>(spec.target, hostname, log);
    } else if (spec.kind == "mda") {
        const char* tmpdir =
            std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): before any thread
        deliver::MdaConfig config{spec.argv, account.mda_timeout,
                                  tmpdir != nullptr && *tmpdir == '/' ? tmpdir : "/tmp"};
        sink = std::make_unique<deliver::MdaSink>(std::move(config), log);
    } else if (spec.kind == "lmtp" || spec.kind == "smtp") {
        auto protocol =
            spec.kind == "lmtp" ? deliver::RelayProtocol::lmtp : deliver::RelayProtocol::smtp;
        sink = std::make_unique<deliver::RelaySink>(
            deliver::RelayConfig{protocol, spec.endpoint, hostname, account.server.data_timeout},
            log);
    } else if (spec.kind != "handoff") {
        return make_error(Errc::usage, "unknown delivery kind " + spec.kind);
    }
    return sink;
}

namespace {

// One connection: negotiate, and if the line turns around, receive.
// Returns the messages delivered, or nothing when the provider has no mail.
// No wait goes past `run` (--run-timeout), except the storing of a message
// already received and its 250: the reversed session ends at the latest then.
asio::awaitable<Result<std::optional<smtp::SessionReport>>> one_session(
    const Account& account, mail::Sink* sink, asio::ssl::context& tls_context, const Log& log,
    Deadline run) {
    auto opened =
        co_await net::open_stream(account.route, tls_context, run.left(account.connect_timeout));
    if (!opened) co_return opened.error();
    log.info("connected to " + net::describe(account.route));
    net::Stream& stream = **opened;
    net::Reader reader(stream);
    odmr::CustomerConfig customer_config = account.customer;
    customer_config.deadline = run;
    odmr::Customer customer(reader, customer_config, log);
    auto negotiated = co_await customer.negotiate();
    if (!negotiated) {
        co_await customer.quit_after(negotiated.error());
        stream.close();
        co_return negotiated.error();
    }
    if (negotiated->outcome == odmr::Outcome::no_mail) {
        co_await customer.quit();
        stream.close();
        co_return std::optional<smtp::SessionReport>();
    }
    log.info("ATRN accepted, receiving mail");
    // Served here into the sink, or handed to a local MTA.
    Result<smtp::SessionReport> report = smtp::SessionReport{};
    if (sink == nullptr) {
        HandoffLimits limits{account.server.command_timeout,
                             run.left(account.server.session_timeout),
                             run.left(account.connect_timeout)};
        report = co_await hand_off(reader, account.delivery.handoff, limits, log);
    } else {
        smtp::ServerConfig server_config = account.server;
        server_config.session_timeout = run.left(server_config.session_timeout);
        smtp::Server server(reader, *sink, server_config, log);
        report = co_await server.run();
    }
    stream.close();
    if (!report) co_return report.error();
    co_return std::optional<smtp::SessionReport>(*report);
}

}  // namespace

asio::awaitable<FetchSummary> fetch(const Account& account, mail::Sink* sink,
                                    asio::ssl::context& tls_context, const Log& log) {
    FetchSummary summary;
    Deadline run(account.run_timeout);
    const auto run_over =
        make_error(Errc::timeout,
                   "the run's time limit (--run-timeout) was reached; more mail may be waiting");
    while (summary.sessions < account.max_sessions) {
        if (run.passed()) {
            summary.error = run_over;
            break;
        }
        ++summary.sessions;
        auto session = co_await one_session(account, sink, tls_context, log, run);
        if (!session) {
            summary.error =
                session.error().is(Errc::timeout) && run.passed() ? run_over : session.error();
            break;
        }
        if (!session->has_value()) {
            log.info(summary.delivered == 0 ? "no mail waiting" : "no more mail waiting");
            break;
        }
        const auto& report = **session;
        summary.delivered += report.delivered;
        summary.failed += report.failed;
        if (report.delivered == 0) {
            if (report.commands == 0)
                log.notice(
                    "the provider closed the connection right after the turn without "
                    "sending anything; treating this as no mail");
            break;
        }
        if (summary.sessions == account.max_sessions)
            log.notice("stopping after " + std::to_string(account.max_sessions) +
                       " sessions (--max-sessions); more mail may be waiting");
    }
    if (sink != nullptr) co_await sink->close();
    if (!summary.error && summary.failed > 0)
        summary.error = make_error(Errc::temporary, std::to_string(summary.failed) +
                                                        " message(s) could not be delivered here");
    co_return summary;
}

int exit_code_for(const FetchSummary& summary) {
    if (summary.error) return exit_code_for(*summary.error);
    return summary.delivered > 0 ? exit_delivered : exit_no_mail;
}

}  // namespace odmr::app
