// --jobs: how many accounts may be connected to their providers at once.
// An account holds a slot while it locks, connects and receives, and gives it
// to the next account while it waits to ask once more (--retry-delay, 3 s by
// default): a pause holds no connection, and with the slot kept, 100
// accounts with mail took 100 x 3 s / --jobs for the pauses alone. Slots
// go to the waiting coroutines in the order they asked. One executor, one
// thread: no locking.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <cstddef>
#include <deque>

namespace odmr::app {

class JobSlots {
  public:
    class Slot;

    explicit JobSlots(std::size_t count) : free_(count) {}
    JobSlots(const JobSlots&) = delete;
    JobSlots& operator=(const JobSlots&) = delete;

    // Waits for a free slot (first come, first served).
    asio::awaitable<Slot> acquire();

    std::size_t free() const { return free_; }
    std::size_t waiting() const { return waiters_.size(); }

  private:
    struct Waiter {
        asio::steady_timer timer;
        bool granted = false;
    };

    asio::awaitable<void> take();
    void give_back();

    std::size_t free_;
    std::deque<Waiter*> waiters_;  // each lives in its acquire()'s frame while queued
};

// A held slot, given back when released or destroyed.
class JobSlots::Slot {
  public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

    bool held() const { return held_; }
    // Gives the slot to the next waiter; a slot not held does nothing.
    void release();
    // Waits for a slot again after release(), behind those already waiting.
    asio::awaitable<void> reacquire();

  private:
    friend class JobSlots;
    explicit Slot(JobSlots& owner) : owner_(&owner), held_(true) {}

    JobSlots* owner_ = nullptr;
    bool held_ = false;
};

}  // namespace odmr::app
