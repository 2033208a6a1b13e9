// A moment by which something must be done: a whole command line, a whole
// (multi-line) reply, a whole run. Unlike a timeout per read it does not
// start again when a byte arrives, so a peer that trickles one byte at a
// time cannot hold us longer than the deadline.
#pragma once

#include <algorithm>
#include <chrono>

namespace odmr::net {

class Deadline {
  public:
    using Clock = std::chrono::steady_clock;
    using Duration = Clock::duration;

    static Deadline after(Duration from_now) {
        auto now = Clock::now();
        if (from_now >= Clock::time_point::max() - now) return never();
        return Deadline(now + std::max(from_now, Duration::zero()));
    }
    static Deadline never() { return Deadline(Clock::time_point::max()); }

    bool passed() const { return Clock::now() >= at_; }
    // The time left, zero once it passed.
    Duration left() const {
        auto now = Clock::now();
        return at_ <= now ? Duration::zero() : at_ - now;
    }
    // `limit`, or less when the deadline comes first.
    Duration clamp(Duration limit) const { return std::min(limit, left()); }
    Deadline earlier(Deadline other) const { return other.at_ < at_ ? other : *this; }

  private:
    explicit Deadline(Clock::time_point at) : at_(at) {}
    Clock::time_point at_;
};

}  // namespace odmr::net
