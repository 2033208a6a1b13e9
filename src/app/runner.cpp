#include "app/runner.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "app/backoff.h"
#include "app/exit_code.h"
#include "app/job_slots.h"
#include "app/metrics.h"
#include "app/outcome.h"
#include "app/report_json.h"
#include "app/stop.h"
#include "net/route.h"
#include "net/tls_contexts.h"
#include "util/atomic_file.h"
#include "util/blocking_pool.h"

namespace odmr::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// Accounts begun beyond --jobs at most: those waiting to ask once more, each
// keeping its lock and its Maildir's and record's descriptors open.
constexpr std::size_t max_waiting_accounts = 64;

class Runner {
  public:
    Runner(const RunSettings& settings, Log& log) : settings_(settings), log_(log) {}

    int run(std::vector<Account>& accounts, const Resolver& reload);

  private:
    asio::awaitable<int> poll_loop(std::vector<Account>& accounts, const Resolver& reload);
    asio::awaitable<int> poll(std::vector<Account>& accounts);
    asio::awaitable<void> account_job(const Account& account, AccountReport& report,
                                      JobSlots::Slot begun, JobSlots::Slot slot);
    asio::awaitable<AccountReport> run_account(const Account& account, JobSlots::Slot& slot);
    asio::awaitable<Result<AccountLock>> lock(const std::string& name);
    asio::awaitable<FetchSummary> fetch_locked(const Account& account, JobSlots::Slot& slot);
    asio::awaitable<bool> pause(Millis wait);
    void crashed(const std::exception_ptr& failure);
    void write_reports(const std::vector<AccountReport>& reports, int status) const;

    const RunSettings& settings_;
    Log& log_;
    StatusLine* status_ = nullptr;
    std::stop_source stop_;
    asio::steady_timer* sleeping_ = nullptr;  // the poll loop's pause, cut short by SIGUSR1
    bool reload_ = false;                     // SIGHUP: resolve the accounts again
    bool crashed_ = false;
    net::TlsContexts tls_contexts_;  // shared by the accounts and polls that match
    // The sinks' disk flushes, off the I/O thread (run()'s pool).
    BlockingPool* flushes_ = nullptr;
};

// Threads for the disk flushes: none (inline) when one session runs at a
// time, else one per session that can wait on a flush, at most 8.
std::size_t flush_threads(unsigned jobs, std::size_t accounts) {
    std::size_t sessions = std::min<std::size_t>(jobs, accounts);
    return sessions > 1 ? std::min<std::size_t>(sessions, 8) : 0;
}

int Runner::run(std::vector<Account>& accounts, const Resolver& reload) {
    asio::io_context io;
    BlockingPool flushes(flush_threads(settings_.jobs, accounts.size()));  // gone before io
    flushes_ = flushes.threads() > 0 ? &flushes : nullptr;  // none: no coroutine per flush
    Signals signals(io, stop_, log_);
    signals.flushes = &flushes;
    signals.on_poll_now = [this] {
        if (sleeping_ != nullptr) sleeping_->cancel();
    };
    signals.on_reload = [this] {
        log_.notice("SIGHUP: the configuration is read again before the next poll");
        reload_ = true;
    };
    int status = exit_software;
    StatusLine status_line(stderr);
    if (settings_.status_line) {
        status_ = &status_line;
        log_.set_overlay(&status_line);
        asio::co_spawn(io, status_line.run(), [](const std::exception_ptr&) {});
    }
    asio::co_spawn(io, signals.watch(), [](const std::exception_ptr&) {});
    asio::co_spawn(io, poll_loop(accounts, reload), [&](const std::exception_ptr& failure, int s) {
        if (failure) crashed(failure);
        status = s;
        signals.cancel();
        status_line.stop();
    });
    io.run();
    log_.set_overlay(nullptr);
    return crashed_ ? exit_software : status;
}

void Runner::crashed(const std::exception_ptr& failure) {
    crashed_ = true;
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        log_.error(std::string("internal error: ") + e.what());
    }
}

asio::awaitable<int> Runner::poll_loop(std::vector<Account>& accounts, const Resolver& reload) {
    if (!settings_.interval) co_return co_await poll(accounts);
    unsigned failures = 0;
    for (;;) {
        if (reload_ && reload) {
            reload_ = false;
            auto fresh = reload();
            if (fresh)
                accounts = std::move(*fresh);
            else
                log_.error(fresh.error().message() + "; keeping the accounts as they were");
        }
        int status = co_await poll(accounts);
        if (stop_.stop_requested()) co_return exit_delivered;
        failures = status == exit_delivered || status == exit_no_mail ? 0 : failures + 1;
        Millis wait = next_wait(*settings_.interval, failures, random_unit());
        if (failures > 0)
            log_.warning("poll failed (status " + std::to_string(status) + "); next poll in " +
                         format_duration(wait));
        else
            log_.info("next poll in " + format_duration(wait));
        if (!co_await pause(wait)) co_return exit_delivered;  // stopped: a clean end
    }
}

asio::awaitable<bool> Runner::pause(Millis wait) {
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    sleeping_ = &timer;
    std::stop_callback on_stop(stop_.get_token(), [&timer] { timer.cancel(); });
    co_await timer.async_wait(use_tuple);
    sleeping_ = nullptr;
    co_return !stop_.stop_requested();
}

// One pass over the accounts, at most --jobs connected at once: each begins
// once a slot is free, in order (app/job_slots.h).
asio::awaitable<int> Runner::poll(std::vector<Account>& accounts) {
    std::vector<AccountReport> reports(accounts.size());
    JobSlots slots(settings_.jobs);
    JobSlots begun(settings_.jobs + max_waiting_accounts);
    std::size_t running = 0;
    bool all_begun = false;
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < accounts.size(); ++i) {
        auto account_begun = co_await begun.acquire();
        auto slot = co_await slots.acquire();
        ++running;
        asio::co_spawn(
            executor,
            account_job(accounts[i], reports[i], std::move(account_begun), std::move(slot)),
            [&](const std::exception_ptr& failure) {
                if (failure) crashed(failure);
                if (--running == 0 && all_begun) all_done.cancel();
            });
    }
    all_begun = true;
    if (running > 0) co_await all_done.async_wait(use_tuple);
    if (crashed_) co_return exit_software;
    std::vector<int> statuses;
    for (const auto& report : reports) statuses.push_back(report.status);
    int status = combine(statuses);
    write_reports(reports, status);
    co_return status;
}

void Runner::write_reports(const std::vector<AccountReport>& reports, int status) const {
    if (settings_.report_json == "-") {
        std::string json = to_json(reports, status);
        std::fwrite(json.data(), 1, json.size(), stdout);
        std::fflush(stdout);
    } else if (!settings_.report_json.empty()) {
        if (auto written = write_atomically(settings_.report_json, to_json(reports, status));
            !written)
            log_.warning("--report-json: " + written.error().message());
    }
    if (settings_.metrics_file.empty()) return;
    std::ostringstream old;
    old << std::ifstream(settings_.metrics_file).rdbuf();
    auto text = to_prometheus(reports, parse_metrics(old.str()));
    if (auto written = write_atomically(settings_.metrics_file, text); !written)
        log_.warning("--metrics-file: " + written.error().message());
}

asio::awaitable<void> Runner::account_job(const Account& account, AccountReport& report,
                                          JobSlots::Slot begun, JobSlots::Slot slot) {
    report = co_await run_account(account, slot);
    slot.release();   // before `begun`: a waiting account gets the slot, then a new one
    begun.release();  // may begin
}

asio::awaitable<AccountReport> Runner::run_account(const Account& account, JobSlots::Slot& slot) {
    AccountReport report;
    report.account = account.name;
    report.provider = net::describe(account.route);
    auto started = Clock::now();
    auto locked = co_await lock(account.name);
    if (!locked) {
        report.locked = locked.error().is(Errc::temporary);
        report.fetch.error = locked.error();
    } else {
        report.fetch = co_await fetch_locked(account, slot);
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    report.finished = static_cast<long long>(std::time(nullptr));
    report.status = exit_status(report.fetch);
    if (report.fetch.error) {
        const Error& error = *report.fetch.error;
        if (partial_success(report.fetch))
            log_.warning(account.name + ": mail was delivered, then: " + error.message() +
                         "; the next run fetches the rest");
        else if (report.status == exit_noperm)
            log_.error(account.name + ": AUTHENTICATION FAILED: " + error.message() +
                       "; check the user name and password");
        else
            log_.error(account.name + ": " + error.message());
    }
    log_.notice(summary_line(report));
    co_return report;
}

asio::awaitable<Result<AccountLock>> Runner::lock(const std::string& name) {
    std::string directory = settings_.directories.lock_directory();
    if (auto made = ensure_private_directory(directory); !made) co_return made.error();
    auto deadline = Clock::now() + settings_.lock_wait;
    bool told = false;
    for (;;) {
        auto lock = try_lock(directory, name);
        if (lock || !lock.error().is(Errc::temporary) || Clock::now() >= deadline) co_return lock;
        if (!told)
            log_.notice("account " + name + " is locked by another run; waiting up to " +
                        format_duration(std::chrono::duration_cast<Millis>(settings_.lock_wait)));
        told = true;
        auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
        if (!co_await sleep_unless_stopped(std::min(left, Millis(100)), stop_.get_token()))
            co_return make_error(Errc::stopped, "stopped while waiting for the lock of " + name);
    }
}

asio::awaitable<FetchSummary> Runner::fetch_locked(const Account& account, JobSlots::Slot& slot) {
    FetchSummary failed;
    if (stop_.stop_requested()) {
        failed.error = make_error(Errc::stopped, "stopped before fetching " + account.name);
        co_return failed;
    }
    // Built once per process for each set of TLS settings, not per account per poll.
    auto tls_context = tls_contexts_.get(account.tls_policy);
    if (!tls_context) {
        failed.error = tls_context.error();
        co_return failed;
    }
    auto receiver = Receiver::make(account, log_, settings_.directories.state(), flushes_);
    if (!receiver) {
        failed.error = receiver.error();
        co_return failed;
    }
    Progress* progress = status_ != nullptr ? &status_->add(account.name) : nullptr;
    FetchControl control{stop_.get_token(), account.retry_delay, progress, &slot};
    auto summary = co_await fetch(account, *receiver, **tls_context, log_, control);
    if (progress != nullptr) status_->remove(*progress);
    co_return summary;
}

}  // namespace

Result<RunSettings> run_settings(const RunOptions& options) {
    RunSettings settings;
    settings.jobs = options.jobs;
    settings.lock_wait = std::chrono::seconds(options.lock_wait);
    if (!options.interval.empty()) {
        auto interval = parse_duration(options.interval);
        if (!interval) return make_error(Errc::usage, "--interval: " + interval.error().detail);
        if (interval->count() <= 0) return make_error(Errc::usage, "--interval must be above 0");
        settings.interval = *interval;
    }
    settings.report_json = options.report_json;
    settings.metrics_file = options.metrics_file;
    settings.directories = Directories::from_environment();
    return settings;
}

int run_accounts(std::vector<Account> accounts, const RunSettings& settings, Log& log,
                 const Resolver& reload) {
    if (accounts.empty()) return exit_no_mail;
    return Runner(settings, log).run(accounts, reload);
}

}  // namespace odmr::app
