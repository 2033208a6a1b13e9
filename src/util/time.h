// Time budgets. Every network and child-process operation runs against a
// deadline; an operation made of several steps hands each step what is left.
#pragma once

#include <algorithm>
#include <chrono>

namespace odmr {

using Clock = std::chrono::steady_clock;
using Duration = Clock::duration;

// The moment a budget given now runs out.
class Deadline {
  public:
    explicit Deadline(Duration budget) : at_(Clock::now() + budget) {}

    Clock::time_point at() const { return at_; }
    // What is left of the budget, never negative.
    Duration left() const { return std::max(Duration::zero(), at_ - Clock::now()); }
    // What is left, but no more than `limit` (one step of a longer operation).
    Duration left(Duration limit) const { return std::min(limit, left()); }
    bool passed() const { return Clock::now() >= at_; }

  private:
    Clock::time_point at_;
};

}  // namespace odmr
