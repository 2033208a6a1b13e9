#include "app/fetch.h"

#include "app/exit_code.h"

#include "net/connect.h"
#include "net/reader.h"
#include "net/route.h"
#include "odmr/customer.h"

namespace odmr::app {

namespace {

// One connection: negotiate, and if the line turns around, receive.
// Returns what was received, or nothing when the provider has no mail.
asio::awaitable<Result<std::optional<Received>>> one_session(const Account& account,
                                                             Receiver& receiver,
                                                             asio::ssl::context& tls_context,
                                                             const Log& log) {
    auto opened = co_await net::open_stream(account.route, tls_context, account.connect_timeout);
    if (!opened) co_return opened.error();
    log.info("connected to " + net::describe(account.route));
    net::Stream& stream = **opened;
    net::Reader reader(stream);
    atrn::Customer customer(reader, account.customer, log);
    auto negotiated = co_await customer.negotiate();
    if (!negotiated) {
        co_await customer.quit_after(negotiated.error());
        stream.close();
        co_return negotiated.error();
    }
    if (negotiated->outcome == atrn::Outcome::no_mail) {
        co_await customer.quit();
        stream.close();
        co_return std::optional<Received>();
    }
    log.info("ATRN accepted, receiving mail");
    auto received = co_await receiver.receive(reader);
    stream.close();
    if (!received) co_return received.error();
    co_return std::optional<Received>(*received);
}

}  // namespace

asio::awaitable<FetchSummary> fetch(const Account& account, Receiver& receiver,
                                    asio::ssl::context& tls_context, const Log& log) {
    FetchSummary summary;
    while (summary.sessions < account.max_sessions) {
        ++summary.sessions;
        auto session = co_await one_session(account, receiver, tls_context, log);
        if (!session) {
            summary.error = session.error();
            break;
        }
        if (!session->has_value()) {
            log.info(summary.delivered == 0 ? "no mail waiting" : "no more mail waiting");
            break;
        }
        const auto& report = (*session)->report;
        summary.delivered += report.delivered;
        summary.failed += report.failed;
        // A session followed past its first command only partly may have
        // delivered mail: count it as such, and come back for more.
        bool uncounted = !(*session)->counted && report.commands > 1;
        summary.uncounted += uncounted ? 1 : 0;
        if (report.delivered == 0 && !uncounted) {
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
    co_await receiver.close();
    if (!summary.error && summary.failed > 0)
        summary.error = make_error(Errc::temporary, std::to_string(summary.failed) +
                                                        " message(s) could not be delivered here");
    co_return summary;
}

int exit_code_for(const FetchSummary& summary) {
    if (summary.error) return exit_code_for(*summary.error);
    return summary.delivered > 0 || summary.uncounted > 0 ? exit_delivered : exit_no_mail;
}

}  // namespace odmr::app
