#include "app/stop.h"

#include <unistd.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <csignal>

namespace odmr::app {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<bool> sleep_unless_stopped(Millis duration, std::stop_token stop) {
    if (stop.stop_requested()) co_return false;
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    std::stop_callback wake(stop, [&timer] { timer.cancel(); });
    co_await timer.async_wait(use_tuple);
    co_return !stop.stop_requested();
}

asio::awaitable<void> until_stopped(std::stop_token stop) {
    while (co_await sleep_unless_stopped(std::chrono::hours(24), stop)) {
    }
}

Signals::Signals(asio::io_context& io, std::stop_source& stop, const Log& log)
    : set_(io, SIGTERM, SIGINT, SIGUSR1), stop_(stop), log_(log) {
    set_.add(SIGHUP);
}

void Signals::cancel() {
    std::error_code ignored;
    set_.cancel(ignored);
}

asio::awaitable<void> Signals::watch() {
    for (;;) {
        auto [ec, number] = co_await set_.async_wait(use_tuple);
        if (ec) co_return;  // cancelled: the run is over
        if (number == SIGUSR1) {
            if (on_poll_now) on_poll_now();
        } else if (number == SIGHUP) {
            if (on_reload) on_reload();
        } else if (stop_.stop_requested()) {
            co_await exit_now(number);
        } else {
            log_.notice(std::string(number == SIGINT ? "SIGINT" : "SIGTERM") +
                        ": stopping after the message in progress (again to exit at once)");
            stop_.request_stop();
        }
    }
}

// Between two handlers of the I/O thread, with no flush in flight: a session
// resumed from one flush starts the next (the resend record's) before it
// yields. A flush that hangs (a dead NFS server) is not waited for long.
asio::awaitable<void> Signals::exit_now(int number) {
    log_.warning(std::string("second ") + (number == SIGINT ? "SIGINT" : "SIGTERM") +
                 ": exiting at once; unacknowledged mail stays with the provider");
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int waited = 0; flushes != nullptr && flushes->in_flight() > 0 && waited < 3000;
         ++waited) {
        timer.expires_after(std::chrono::milliseconds(1));
        co_await timer.async_wait(use_tuple);
    }
    ::_exit(128 + number);
}

}  // namespace odmr::app
