#include "net/op_timer.h"

namespace odmr::net {

OpTimer::OpTimer(const asio::any_io_executor& executor) : timer_(executor) {}

void OpTimer::arm(Duration timeout, asio::cancellation_slot outer) {
    if (outer.is_connected())
        outer.assign(
            [shared = state_](asio::cancellation_type type) { shared->signal.emit(type); });
    State& state = *state_;
    state.in_flight = true;
    state.fired = false;
    std::uint64_t generation = ++state.generation;
    timer_.expires_after(timeout);
    timer_.async_wait([shared = state_, generation](const std::error_code& ec) {
        if (ec || shared->generation != generation)
            return;  // cancelled, or for an earlier operation
        shared->fired = true;
        shared->signal.emit(asio::cancellation_type::terminal);
    });
}

bool OpTimer::disarm(asio::cancellation_slot outer) {
    if (outer.is_connected()) outer.clear();
    State& state = *state_;
    timer_.cancel();
    ++state.generation;  // an expiry already on its way is now stale
    state.in_flight = false;
    return state.fired;
}

void OpTimer::cancel() {
    State& state = *state_;
    if (!state.in_flight) return;
    state.fired = true;
    state.signal.emit(asio::cancellation_type::terminal);
}

}  // namespace odmr::net
