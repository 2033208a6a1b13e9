#include "app/fetch.h"

#include <cstdlib>
#include "app/exit_code.h"

#include "app/handoff.h"
#include "app/stop.h"
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
        sink = std::make_unique<deliver::MaildirSink>(
            spec.target, hostname, log,
            deliver::MaildirOptions{.existing_only = account.maildir_existing_only});
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

// What one connection brought.
struct SessionResult {
    bool turned = false;         // ATRN got 250
    smtp::SessionReport report;  // the counts, also when the session failed
    std::optional<Error> error;
};

// No wait goes past `run` (--run-timeout), except the storing of a message
// already received and its 250: the reversed session ends at the latest then.
asio::awaitable<Result<smtp::SessionReport>> receive(const Account& account, mail::Sink* sink,
                                                     net::Reader& reader, const Log& log,
                                                     smtp::SessionReport& counts,
                                                     Progress* progress, Deadline run) {
    if (sink == nullptr) {
        HandoffLimits limits{account.server.command_timeout,
                             run.left(account.server.session_timeout),
                             run.left(account.connect_timeout)};
        co_return co_await hand_off(reader, account.delivery.handoff, limits, log);
    }
    smtp::ServerConfig server_config = account.server;
    server_config.session_timeout = run.left(server_config.session_timeout);
    smtp::Server server(reader, *sink, server_config, log);
    if (progress != nullptr) progress->server = &server;
    auto report = co_await server.run();
    if (progress != nullptr) progress->server = nullptr;
    counts = server.progress();
    co_return report;
}

// One connection: negotiate, and if the line turns around, receive (served
// here into the sink, or handed to a local MTA).
asio::awaitable<SessionResult> one_session(const Account& account, mail::Sink* sink,
                                           asio::ssl::context& tls_context, const Log& log,
                                           const FetchControl& control, FetchSummary& summary,
                                           Deadline run) {
    SessionResult result;
    if (control.progress != nullptr) control.progress->phase = "connecting";
    auto opened =
        co_await net::open_stream(account.route, tls_context, run.left(account.connect_timeout));
    if (!opened) {
        result.error = opened.error();
        co_return result;
    }
    log.info("connected to " + net::describe(account.route));
    net::Stream& stream = **opened;
    std::stop_callback on_stop(control.stop, [&stream] { stream.stop_reading(); });
    net::Reader reader(stream);
    odmr::CustomerConfig customer_config = account.customer;
    customer_config.deadline = run;
    odmr::Customer customer(reader, customer_config, log);
    auto negotiated = co_await customer.negotiate();
    summary.tls_version = stream.tls_info().version;
    if (!customer.mechanism().empty()) summary.mechanism = customer.mechanism();
    if (!negotiated) {
        co_await customer.quit_after(negotiated.error());
        stream.close();
        result.error = negotiated.error();
        co_return result;
    }
    if (negotiated->outcome == odmr::Outcome::no_mail) {
        co_await customer.quit();
        stream.close();
        co_return result;
    }
    log.info("ATRN accepted, receiving mail");
    result.turned = true;
    if (control.progress != nullptr) control.progress->phase = "receiving";
    auto report =
        co_await receive(account, sink, reader, log, result.report, control.progress, run);
    stream.close();
    if (report)
        result.report = *report;
    else
        result.error = report.error();
    co_return result;
}

// A turn that brought nothing: 453, or 250 and the provider closed at once.
bool empty_turn(const SessionResult& session) {
    return !session.turned || (session.report.delivered == 0 && session.report.commands == 0);
}

}  // namespace

asio::awaitable<FetchSummary> fetch(const Account& account, mail::Sink* sink,
                                    asio::ssl::context& tls_context, const Log& log,
                                    const FetchControl& control) {
    FetchSummary summary;
    Deadline run(account.run_timeout);
    const auto run_over =
        make_error(Errc::timeout,
                   "the run's time limit (--run-timeout) was reached; more mail may be waiting");
    bool last_delivered = false;  // the previous session delivered something
    while (summary.sessions < account.max_sessions) {
        if (control.stop.stop_requested()) {
            summary.error = make_error(Errc::stopped, "stopped before asking for more mail");
            break;
        }
        if (run.passed()) {
            summary.error = run_over;
            break;
        }
        ++summary.sessions;
        auto session =
            co_await one_session(account, sink, tls_context, log, control, summary, run);
        summary.delivered += session.report.delivered;
        summary.failed += session.report.failed;
        summary.octets += session.report.octets;
        if (control.progress != nullptr) {
            control.progress->messages = summary.delivered;
            control.progress->octets = summary.octets;
        }
        if (session.error) {
            summary.error =
                session.error->is(Errc::timeout) && run.passed() ? run_over : *session.error;
            break;
        }
        if (empty_turn(session)) {
            if (session.turned)
                log.notice(
                    "the provider closed the connection right after the turn without "
                    "sending anything; treating this as no mail");
            // Exim may still hold the message just delivered, or defer the
            // next one for a moment: ask once more before concluding.
            if (last_delivered && control.retry_delay.count() > 0 &&
                summary.sessions < account.max_sessions) {
                log.info("asking once more in " + format_duration(control.retry_delay));
                last_delivered = false;
                if (control.progress != nullptr) control.progress->phase = "waiting to ask again";
                co_await sleep_unless_stopped(control.retry_delay, control.stop);
                continue;  // if stopped meanwhile, the check at the top ends the loop
            }
            log.info(summary.delivered == 0 ? "no mail waiting" : "no more mail waiting");
            break;
        }
        last_delivered = session.report.delivered > 0;
        if (!last_delivered) break;  // refused or failed: trying again would not help
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

}  // namespace odmr::app
