// The deadline of one kind of operation on a stream (its reads, or its
// writes): one timer, armed before each operation, that cancels the
// operation through the cancellation slot it is bound to when the deadline
// passes first. A read is then one asynchronous operation plus one timer
// wait, where `op || timer.async_wait()` (asio's awaitable operators) spawned
// two coroutines and a parallel group for every read.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cstdint>
#include <memory>
#include <tuple>
#include <utility>

#include "net/awaitable.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::net {

class OpTimer {
  public:
    using Token =
        decltype(asio::bind_cancellation_slot(std::declval<asio::cancellation_slot>(), use_tuple));

    explicit OpTimer(const asio::any_io_executor& executor);
    OpTimer(const OpTimer&) = delete;
    OpTimer& operator=(const OpTimer&) = delete;

    // Runs one operation within `timeout`: `start(token)` begins it with the
    // completion token it is given (asio's as_tuple(use_awaitable), bound to
    // this timer's cancellation slot) and returns its awaitable. The outcome
    // is the operation's; its error code is Errc::timeout when the deadline
    // (or cancel()) cut it off. One operation at a time.
    // The operation is bound to this timer's slot, not to the coroutine's:
    // a cancellation of the coroutine (the other branch of a `||` won) is
    // passed on to it.
    template <class Start>
    auto run(Duration timeout, Start start) -> decltype(start(std::declval<Token>())) {
        asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        asio::cancellation_slot outer = state.slot();
        arm(timeout, outer);
        auto outcome = co_await start(token());
        bool fired = disarm(outer);
        if (auto& ec = std::get<0>(outcome); fired && ec == asio::error::operation_aborted)
            ec = make_error_code(Errc::timeout);
        co_return outcome;
    }

    // The operation in flight, if any, gives up now as if its deadline had
    // passed (Stream::stop_reading).
    void cancel();

  private:
    // Shared with the timer's handler, which may run after the operation
    // (or this object) is gone: `generation` tells it whether it is stale.
    struct State {
        asio::cancellation_signal signal;
        std::uint64_t generation = 0;
        bool in_flight = false;
        bool fired = false;
    };
    Token token() { return asio::bind_cancellation_slot(state_->signal.slot(), use_tuple); }
    void arm(Duration timeout, asio::cancellation_slot outer);
    bool disarm(asio::cancellation_slot outer);  // true: the deadline (or cancel()) cut it off

    asio::steady_timer timer_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace odmr::net
