#include "app/job_slots.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <utility>

namespace odmr::app {

asio::awaitable<void> JobSlots::take() {
    if (free_ > 0 && waiters_.empty()) {
        --free_;
        co_return;
    }
    Waiter waiter{asio::steady_timer(co_await asio::this_coro::executor,
                                     asio::steady_timer::time_point::max())};
    waiters_.push_back(&waiter);
    while (!waiter.granted) {
        // Woken by give_back(), which cancels the timer; anything else waits on.
        co_await waiter.timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (!waiter.granted) waiter.timer.expires_at(asio::steady_timer::time_point::max());
    }
}

asio::awaitable<JobSlots::Slot> JobSlots::acquire() {
    co_await take();
    co_return Slot(*this);
}

void JobSlots::give_back() {
    if (waiters_.empty()) {
        ++free_;
        return;
    }
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = true;  // handed over: free_ stays as it is
    next->timer.cancel();
}

JobSlots::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), held_(std::exchange(other.held_, false)) {}

JobSlots::Slot& JobSlots::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        held_ = std::exchange(other.held_, false);
    }
    return *this;
}

void JobSlots::Slot::release() {
    if (!held_) return;
    held_ = false;
    owner_->give_back();
}

asio::awaitable<void> JobSlots::Slot::reacquire() {
    if (held_ || owner_ == nullptr) co_return;
    co_await owner_->take();
    held_ = true;
}

}  // namespace odmr::app
