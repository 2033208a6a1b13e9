// odmr-fetch: fetch queued mail from an ODMR provider and deliver it locally.
#include <signal.h>
#include <sodium.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <cstdio>
#include <exception>
#include <optional>

#include "app/account.h"
#include "app/exit_code.h"
#include "app/fetch.h"
#include "app/options.h"
#include "app/serverinfo.h"
#include "util/log.h"

namespace {

// --serverinfo: the report on standard output, errors as for a fetch.
int show_serverinfo(const odmr::app::Account& account, asio::ssl::context& tls_context,
                    const odmr::Log& log) {
    using namespace odmr;
    asio::io_context io;
    std::optional<Result<std::string>> report;
    auto task = [&]() -> asio::awaitable<void> {
        report.emplace(co_await app::serverinfo(account, tls_context, log));
    };
    asio::co_spawn(io, task(), [](const std::exception_ptr&) {});
    io.run();
    if (!report) {
        log.error("internal error during --serverinfo");
        return app::exit_software;
    }
    if (!*report) {
        log.error(report->error().message());
        return app::exit_code_for(report->error());
    }
    bool written = std::fputs((*report)->c_str(), stdout) != EOF && std::fflush(stdout) == 0;
    return written ? app::exit_delivered : app::exit_ioerr;
}

int run(const odmr::app::Options& options) {
    using namespace odmr;
    Log log(options.quiet ? 0 : 1 + options.verbose);
    auto account = app::resolve_account(options);
    if (!account) {
        log.error(account.error().message());
        return app::exit_code_for(account.error());
    }
    for (const auto& warning : account->warnings) log.warning(warning);
    auto tls_context = net::make_client_context(account->tls_policy);
    if (!tls_context) {
        log.error(tls_context.error().message());
        return app::exit_code_for(tls_context.error());
    }
    if (account->serverinfo) return show_serverinfo(*account, **tls_context, log);
    // Before the receiver: a sink's sockets must go before their io_context.
    asio::io_context io;
    auto receiver = app::Receiver::make(*account, log);
    if (!receiver) {
        log.error(receiver.error().message());
        return app::exit_code_for(receiver.error());
    }

    app::FetchSummary summary;
    bool crashed = false;
    asio::co_spawn(io, app::fetch(*account, *receiver, **tls_context, log),
                   [&](std::exception_ptr failure, app::FetchSummary result) {
                       if (failure) {
                           crashed = true;
                           try {
                               std::rethrow_exception(failure);
                           } catch (const std::exception& e) {
                               log.error(std::string("internal error: ") + e.what());
                           }
                       }
                       summary = std::move(result);
                   });
    io.run();
    if (crashed) return app::exit_software;

    std::string done = std::to_string(summary.delivered) + " message" +
                       (summary.delivered == 1 ? "" : "s") + " delivered";
    if (summary.error) {
        log.error(summary.error->message());
        if (summary.delivered > 0) log.notice(done + " before the error");
    } else if (summary.delivered > 0) {
        log.notice(done + " (" + std::to_string(summary.sessions) + " session" +
                   (summary.sessions == 1 ? "" : "s") + ")");
    }
    return app::exit_code_for(summary);
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) {
        std::fputs("odmr-fetch: cannot initialise libsodium\n", stderr);
        return odmr::app::exit_software;
    }
    ::signal(SIGPIPE, SIG_IGN);        // a vanished peer is an error code, not a signal
    (void)::signal(SIGXFSZ, SIG_IGN);  // a file size limit is a write error (EFBIG), not death
    try {
        auto parsed = odmr::app::parse_options(argc, argv);
        if (auto* early = std::get_if<odmr::app::EarlyExit>(&parsed)) {
            std::fputs(early->text.c_str(), early->code == 0 ? stdout : stderr);
            return early->code;
        }
        return run(std::get<odmr::app::Options>(parsed));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "odmr-fetch: internal error: %s\n", e.what());
        return odmr::app::exit_software;
    }
}
