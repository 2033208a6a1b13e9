#include "app/job_slots.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <string>
#include <vector>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::app;

namespace {

// Lets every other ready coroutine run once.
asio::awaitable<void> yield() {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

struct Tally {
    int now = 0;
    int most = 0;
    std::vector<int> began;
};

asio::awaitable<void> job(JobSlots& slots, Tally& tally, int id) {
    auto slot = co_await slots.acquire();
    tally.began.push_back(id);
    tally.most = std::max(tally.most, ++tally.now);
    for (int i = 0; i < 3; ++i) co_await yield();
    --tally.now;
}

}  // namespace

TEST_CASE("job slots: never more holders than slots, and first come, first served") {
    asio::io_context io;
    JobSlots slots(2);
    Tally tally;
    for (int id = 0; id < 6; ++id) test::spawn(io, job(slots, tally, id));
    test::run_all(io);
    CHECK(tally.most == 2);
    CHECK(tally.began == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(slots.free() == 2);
    CHECK(slots.waiting() == 0);
}

TEST_CASE("job slots: a released slot goes to the waiter, reacquire waits behind it") {
    asio::io_context io;
    JobSlots slots(1);
    std::vector<std::string> events;
    auto pausing = [&]() -> asio::awaitable<void> {
        auto slot = co_await slots.acquire();
        events.push_back("A connects");
        co_await yield();  // B queues for the slot meanwhile
        slot.release();    // A's pause: no connection
        CHECK_FALSE(slot.held());
        events.push_back("A pauses");
        co_await slot.reacquire();
        CHECK(slot.held());
        events.push_back("A asks again");
    };
    auto other = [&]() -> asio::awaitable<void> {
        auto slot = co_await slots.acquire();
        events.push_back("B connects");
        co_await yield();
        co_await yield();
        events.push_back("B done");
    };
    test::spawn(io, pausing());
    test::spawn(io, other());
    test::run_all(io);
    CHECK(events == std::vector<std::string>{"A connects", "A pauses", "B connects", "B done",
                                             "A asks again"});
    CHECK(slots.free() == 1);
}

TEST_CASE("job slots: a slot is given back once, by release or by its end, moved or not") {
    asio::io_context io;
    JobSlots slots(2);
    auto task = [&]() -> asio::awaitable<void> {
        auto first = co_await slots.acquire();
        CHECK(slots.free() == 1);
        JobSlots::Slot moved = std::move(first);
        CHECK_FALSE(first.held());  // NOLINT(bugprone-use-after-move): checking the moved-from
        CHECK(moved.held());
        first.release();  // moved from: nothing to give back
        CHECK(slots.free() == 1);
        moved.release();
        moved.release();
        CHECK(slots.free() == 2);
        {
            auto scoped = co_await slots.acquire();
            CHECK(slots.free() == 1);
        }
        CHECK(slots.free() == 2);
    };
    test::spawn(io, task());
    test::run_all(io);
    CHECK(slots.free() == 2);
}
