// Stopping cleanly. SIGTERM or SIGINT asks the run to stop (a
// std::stop_source, passed down as a std::stop_token): no new session or
// account starts, the session in progress answers the provider's next
// command with 421 4.3.2 (net::Stream::stop_reading, smtp::Server), and the
// run exits with its status. A second SIGTERM or SIGINT exits at once with
// 128 + the signal: still safe, since nothing unacknowledged was promised
// and a half-written tmp/ file is removed by a later run. "At once" waits
// for the disk flushes in flight on the pool (util/blocking_pool.h), a few
// milliseconds: a message moved into new/ whose fingerprint is not yet
// recorded (smtp/resend_record.h) would be stored twice when sent again.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <functional>
#include <stop_token>

#include "app/duration.h"
#include "util/blocking_pool.h"
#include "util/log.h"

namespace odmr::app {

// Sleeps up to `duration`; false if the run was asked to stop meanwhile.
asio::awaitable<bool> sleep_unless_stopped(Millis duration, std::stop_token stop);

// Waits until the run is asked to stop (for racing against a connect).
asio::awaitable<void> until_stopped(std::stop_token stop);

class Signals {
  public:
    Signals(asio::io_context& io, std::stop_source& stop, const Log& log);

    // SIGUSR1 and SIGHUP, for the poll loop; ignored when not set.
    std::function<void()> on_poll_now;
    std::function<void()> on_reload;
    // Flushes a second signal lets finish before it exits; none: exits at once.
    const BlockingPool* flushes = nullptr;

    // Runs until cancel(); spawn it beside the work.
    asio::awaitable<void> watch();
    void cancel();

  private:
    asio::awaitable<void> exit_now(int number);

    asio::signal_set set_;
    std::stop_source& stop_;
    const Log& log_;
};

}  // namespace odmr::app
