// odmr-fetch: fetch queued mail from an ODMR provider and deliver it locally.
#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <cstdio>
#include <exception>
#include <optional>

#include "app/account.h"
#include "app/account_files.h"
#include "app/exit_code.h"
#include "app/options.h"
#include "app/print_config.h"
#include "app/runner.h"
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

// --print-config: the layered options of each account, no secret read.
int print_configs(const odmr::app::Options& options, odmr::app::OptionTable& table,
                  const odmr::Log& log) {
    auto accounts = odmr::app::layer_accounts(options, table);
    if (!accounts) {
        log.error(accounts.error().message());
        return odmr::app::exit_code_for(accounts.error());
    }
    std::string text;
    for (const auto& account : *accounts)
        text += (text.empty() ? "" : "\n") + print_config(account);
    bool written = std::fputs(text.c_str(), stdout) != EOF && std::fflush(stdout) == 0;
    return written ? odmr::app::exit_delivered : odmr::app::exit_ioerr;
}

int run(int argc, char** argv, const odmr::app::Options& options, odmr::app::OptionTable& table) {
    using namespace odmr;
    Log log(options.quiet ? 0 : 1 + options.verbose, stderr,
            LogSinks{is_journal_stream(2), options.run.syslog});
    if (options.print_config) return print_configs(options, table, log);
    auto accounts = app::resolve_accounts(options, table);
    if (!accounts) {
        log.error(accounts.error().message());
        return app::exit_code_for(accounts.error());
    }
    for (const auto& account : *accounts)
        for (const auto& warning : account.warnings) log.warning(warning);
    if (accounts->front().serverinfo) {
        const auto& account = accounts->front();
        auto tls_context = net::make_client_context(account.tls_policy);
        if (!tls_context) {
            log.error(tls_context.error().message());
            return app::exit_code_for(tls_context.error());
        }
        return show_serverinfo(account, **tls_context, log);
    }
    auto settings = app::run_settings(options.run);
    if (!settings) {
        log.error(settings.error().message());
        return app::exit_code_for(settings.error());
    }
    settings->status_line = ::isatty(2) == 1 && !options.quiet && !is_journal_stream(2);
    // SIGHUP under --interval: the same command line, its files read again.
    app::Resolver reload = [argc, argv]() -> Result<std::vector<app::Account>> {
        app::OptionTable fresh;
        auto parsed = fresh.parse(argc, argv);
        if (auto* early = std::get_if<app::EarlyExit>(&parsed))
            return make_error(Errc::config, early->text);
        return app::resolve_accounts(std::get<app::Options>(parsed), fresh);
    };
    return app::run_accounts(std::move(*accounts), *settings, log, reload);
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
        odmr::app::OptionTable table;  // built once: the command line and every layer
        auto parsed = table.parse(argc, argv);
        if (auto* early = std::get_if<odmr::app::EarlyExit>(&parsed)) {
            std::fputs(early->text.c_str(), early->code == 0 ? stdout : stderr);
            return early->code;
        }
        return run(argc, argv, std::get<odmr::app::Options>(parsed), table);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "odmr-fetch: internal error: %s\n", e.what());
        return odmr::app::exit_software;
    }
}
