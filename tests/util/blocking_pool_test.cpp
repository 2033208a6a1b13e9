#include "util/blocking_pool.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/asio_harness.h"
#include "util/result.h"
#include "util/unique_fd.h"

using namespace odmr;
using namespace std::chrono_literals;

namespace {

struct Threads {
    std::thread::id work;     // where the work ran
    std::thread::id resumed;  // where the coroutine went on after it
};

asio::awaitable<Threads> where(BlockingPool& pool) {
    Threads seen;
    Status done = co_await pool.run([&] {
        seen.work = std::this_thread::get_id();
        return Status{};
    });
    REQUIRE(done.ok());
    seen.resumed = std::this_thread::get_id();
    co_return seen;
}

// Waits (a bounded time) for `flag`, which only the I/O thread sets.
bool wait_for(const std::atomic<bool>& flag) {
    for (int i = 0; i < 500 && !flag.load(); ++i) std::this_thread::sleep_for(10ms);
    return flag.load();
}

asio::awaitable<std::string> what_is_thrown(BlockingPool& pool) {
    try {
        co_await pool.run([]() -> Status { throw std::runtime_error("disk on fire"); });
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return "nothing thrown";
}

asio::awaitable<void> set_later(BlockingPool& pool, std::atomic<bool>& flag) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
    co_await timer.async_wait(asio::use_awaitable);
    CHECK(pool.in_flight() == 1);
    flag = true;
}

asio::awaitable<void> count_slowly(BlockingPool& pool, std::atomic<int>& done) {
    co_await pool.run([&] {
        std::this_thread::sleep_for(20ms);
        ++done;
        return Status{};
    });
}

}  // namespace

TEST_CASE("the pool runs the work on a worker and resumes on the caller's thread") {
    BlockingPool pool(2);
    CHECK(pool.threads() == 2);
    Threads seen = test::run(where(pool));
    auto here = std::this_thread::get_id();  // test::run drives its io_context here
    CHECK(seen.work != here);
    CHECK(seen.resumed == here);
    CHECK(pool.in_flight() == 0);
}

TEST_CASE("a pool without threads runs the work inline, without a hop") {
    BlockingPool pool(0);
    CHECK(pool.threads() == 0);
    Threads seen = test::run(where(pool));
    CHECK(seen.work == std::this_thread::get_id());
    CHECK(seen.resumed == std::this_thread::get_id());
}

TEST_CASE("the work's result and error come back to the coroutine") {
    BlockingPool pool(1);
    auto value = test::run(pool.run([] { return Result<int>(42); }));
    REQUIRE(value.ok());
    CHECK(*value == 42);

    // A real failing system call, as a sink's flush would see it.
    auto failed = test::run(pool.run([]() -> Status {
        if (::fsync(-1) != 0) return storage_error(errno, "cannot fsync");
        return {};
    }));
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().is(Errc::storage));
    CHECK(failed.error().detail.find("Bad file descriptor") != std::string::npos);
}

TEST_CASE("an exception thrown by the work is thrown in the coroutine, not into asio") {
    for (std::size_t threads : {std::size_t{0}, std::size_t{1}}) {
        BlockingPool pool(threads);
        CHECK(test::run(what_is_thrown(pool)) == "disk on fire");
    }
}

TEST_CASE("while the work blocks, other coroutines on the I/O thread go on") {
    // The work waits for a flag that only another coroutine on the I/O
    // thread sets: inline, it could never see it.
    BlockingPool pool(1);
    asio::io_context io;
    std::atomic<bool> flag{false};
    std::optional<Result<bool>> saw;
    auto wait = [&] { return Result<bool>(wait_for(flag)); };  // outlives the run
    test::spawn(io, pool.run(wait), saw);
    test::spawn(io, set_later(pool, flag));
    test::run_all(io);
    REQUIRE(saw.has_value());
    CHECK(**saw);
    CHECK(pool.in_flight() == 0);
}

TEST_CASE("the io_context does not run out of work while a piece of work is in flight") {
    // Nothing else is pending: io.run() must still wait for the worker.
    BlockingPool pool(1);
    asio::io_context io;
    std::optional<Result<int>> out;
    auto slow = [] {
        std::this_thread::sleep_for(100ms);
        return Result<int>(7);
    };
    test::spawn(io, pool.run(slow), out);
    io.run();
    REQUIRE(out.has_value());
    CHECK(**out == 7);
}

TEST_CASE("the pool's destructor lets the work in flight finish") {
    // As when io.run() is left by an exception: the pool goes first, and no
    // worker may still be using what the suspended coroutines own.
    std::atomic<int> done{0};
    asio::io_context io;
    {
        BlockingPool pool(1);
        for (int i = 0; i < 3; ++i) test::spawn(io, count_slowly(pool, done));
        io.poll();  // starts the three; their coroutines wait for the worker
        CHECK(pool.in_flight() == 3);
    }
    CHECK(done == 3);
    // The io_context is destroyed with the three resumptions still queued:
    // the coroutines are destroyed without running on.
}
