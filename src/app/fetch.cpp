#include "app/fetch.h"

#include "app/exit_code.h"
#include "app/stop.h"
#include "net/connect.h"
#include "net/reader.h"
#include "net/route.h"
#include "odmr/customer.h"
#include "smtp/server.h"
#include "util/time.h"

namespace odmr::app {

namespace {

// What one connection brought.
struct SessionResult {
    bool turned = false;         // ATRN got 250
    smtp::SessionReport report;  // the counts, also when the session failed
    bool counted = true;         // false: a handoff could not follow it to its end
    std::optional<Error> error;
};

// One connection: negotiate, and if the line turns around, receive (served
// here into the sink, or handed to a local MTA). No wait goes past `run`
// (--run-timeout), except the storing of a message already received and its
// 250: the reversed session ends at the latest then.
asio::awaitable<SessionResult> one_session(const Account& account, Receiver& receiver,
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
    atrn::CustomerConfig customer_config = account.customer;
    customer_config.deadline = run;
    atrn::Customer customer(reader, customer_config, log);
    auto negotiated = co_await customer.negotiate();
    summary.tls_version = stream.tls_info().version;
    if (!customer.mechanism().empty()) summary.mechanism = customer.mechanism();
    if (!negotiated) {
        co_await customer.quit_after(negotiated.error());
        stream.close();
        result.error = negotiated.error();
        co_return result;
    }
    if (negotiated->outcome == atrn::Outcome::no_mail) {
        co_await customer.quit();
        stream.close();
        co_return result;
    }
    log.info("ATRN accepted, receiving mail");
    result.turned = true;
    if (control.progress != nullptr) control.progress->phase = "receiving";
    auto received = co_await receiver.receive(reader, run, result.report, control.progress);
    stream.close();
    if (received) {
        result.report = received->report;
        result.counted = received->counted;
    } else {
        result.error = received.error();
    }
    co_return result;
}

// A turn that brought nothing: 453, or 250 and the provider closed at once.
bool empty_turn(const SessionResult& session) {
    return !session.turned || (session.report.delivered == 0 && session.report.commands == 0);
}

}  // namespace

asio::awaitable<FetchSummary> fetch(const Account& account, Receiver& receiver,
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
            co_await one_session(account, receiver, tls_context, log, control, summary, run);
        summary.delivered += session.report.delivered;
        summary.failed += session.report.failed;
        summary.octets += session.report.octets;
        summary.duplicates += session.report.duplicates;
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
                // No connection while waiting: another account may use the slot.
                if (control.slot != nullptr) control.slot->release();
                co_await sleep_unless_stopped(control.retry_delay, control.stop);
                if (control.slot != nullptr && !control.stop.stop_requested())
                    co_await control.slot->reacquire();
                continue;  // if stopped meanwhile, the check at the top ends the loop
            }
            log.info(summary.delivered == 0 ? "no mail waiting" : "no more mail waiting");
            break;
        }
        // A handed-off session followed past its first command only partly may
        // have delivered mail: count it as such, and come back for more.
        bool uncounted = !session.counted && session.report.commands > 1;
        summary.uncounted += uncounted ? 1 : 0;
        // A session whose messages were all duplicates emptied the queue too.
        last_delivered = session.report.delivered > 0 || session.report.duplicates > 0 || uncounted;
        if (!last_delivered) break;  // refused or failed: trying again would not help
        if (summary.sessions == account.max_sessions)
            log.notice("stopping after " + std::to_string(account.max_sessions) +
                       " sessions (--max-sessions); more mail may be waiting");
    }
    co_await receiver.close();
    if (!summary.error && summary.failed > 0)
        summary.error = make_error(Errc::temporary, std::to_string(summary.failed) +
                                                        " message(s) could not be delivered here");
    co_return summary;
}

}  // namespace odmr::app
