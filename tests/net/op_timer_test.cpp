#include "net/op_timer.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <tuple>

#include "support/asio_harness.h"

using namespace odmr;
using namespace std::chrono_literals;

namespace {

using ReadOutcome = std::tuple<std::error_code, std::size_t>;

asio::awaitable<ReadOutcome> read_within(net::OpTimer& timer, asio::ip::tcp::socket& socket,
                                         std::span<char> into, Duration timeout) {
    co_return co_await timer.run(timeout, [&](auto token) {
        return socket.async_read_some(asio::buffer(into.data(), into.size()), token);
    });
}

asio::awaitable<void> pause(Duration how_long) {
    asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
    co_await timer.async_wait(net::use_tuple);
}

}  // namespace

TEST_CASE("an operation that completes in time keeps its outcome") {
    asio::io_context io;
    auto pair = test::loopback_pair(io);
    net::OpTimer timer(io.get_executor());
    asio::write(pair.client, asio::buffer(std::string("hello")));
    std::array<char, 16> buffer{};
    std::optional<ReadOutcome> read;
    test::spawn(io, read_within(timer, pair.server, buffer, 5s), read);
    test::run_all(io);
    REQUIRE(read);
    CHECK_FALSE(std::get<0>(*read));
    CHECK(std::get<1>(*read) == 5);
}

TEST_CASE("an operation past its deadline is cancelled and reads as Errc::timeout") {
    asio::io_context io;
    auto pair = test::loopback_pair(io);
    net::OpTimer timer(io.get_executor());
    std::array<char, 16> buffer{};
    std::optional<ReadOutcome> late, next;
    auto start = Clock::now();
    test::spawn(io, read_within(timer, pair.server, buffer, 50ms), late);
    test::run_all(io);
    REQUIRE(late);
    CHECK(std::get<0>(*late) == make_error_code(Errc::timeout));
    CHECK(Clock::now() - start >= 50ms);
    // Only the operation was cancelled: the socket reads on.
    asio::write(pair.client, asio::buffer(std::string("abc")));
    io.restart();
    test::spawn(io, read_within(timer, pair.server, buffer, 5s), next);
    test::run_all(io);
    REQUIRE(next);
    CHECK_FALSE(std::get<0>(*next));
    CHECK(std::get<1>(*next) == 3);
}

TEST_CASE("an earlier operation's deadline never cuts off a later one") {
    asio::io_context io;
    auto pair = test::loopback_pair(io);
    net::OpTimer timer(io.get_executor());
    std::array<char, 1> buffer{};
    std::optional<std::size_t> quick_reads;
    std::optional<ReadOutcome> slow;
    // Many reads with a short deadline that all complete at once, then one
    // with a long deadline whose data comes after the short ones ran out.
    asio::write(pair.client, asio::buffer(std::string(20, 'x')));
    auto reads = [&]() -> asio::awaitable<std::size_t> {
        std::size_t ok = 0;
        for (int i = 0; i < 20; ++i)
            if (!std::get<0>(co_await read_within(timer, pair.server, buffer, 20ms))) ++ok;
        co_return ok;
    };
    test::spawn(io, reads(), quick_reads);
    test::run_all(io);
    REQUIRE(quick_reads);
    CHECK(*quick_reads == 20);
    io.restart();
    test::spawn(io, read_within(timer, pair.server, buffer, 5s), slow);
    // A named closure: the coroutine refers to its captures until it ends.
    auto late_write = [&]() -> asio::awaitable<void> {
        co_await pause(100ms);
        asio::write(pair.client, asio::buffer(std::string("y")));
    };
    test::spawn(io, late_write());
    test::run_all(io);
    REQUIRE(slow);
    CHECK_FALSE(std::get<0>(*slow));
    CHECK(buffer[0] == 'y');
}

TEST_CASE("cancel() ends the operation in flight at once, as a timeout") {
    asio::io_context io;
    auto pair = test::loopback_pair(io);
    net::OpTimer timer(io.get_executor());
    std::array<char, 16> buffer{};
    std::optional<ReadOutcome> read;
    auto start = Clock::now();
    test::spawn(io, read_within(timer, pair.server, buffer, 30s), read);
    auto cancel_soon = [&]() -> asio::awaitable<void> {
        co_await pause(20ms);
        timer.cancel();
    };
    test::spawn(io, cancel_soon());
    test::run_all(io);
    REQUIRE(read);
    CHECK(std::get<0>(*read) == make_error_code(Errc::timeout));
    CHECK(Clock::now() - start < 10s);
    timer.cancel();  // nothing in flight: nothing happens
}

TEST_CASE("when the coroutine is cancelled (the other side of a || won), so is the operation") {
    using asio::experimental::awaitable_operators::operator||;
    asio::io_context io;
    auto pair = test::loopback_pair(io);
    net::OpTimer timer(io.get_executor());
    std::array<char, 16> buffer{};
    std::optional<std::size_t> winner;
    auto start = Clock::now();
    auto race = [&]() -> asio::awaitable<std::size_t> {
        auto won = co_await (read_within(timer, pair.server, buffer, 30s) || pause(20ms));
        co_return won.index();
    };
    test::spawn(io, race(), winner);
    test::run_all(io);
    REQUIRE(winner);
    CHECK(*winner == 1);
    CHECK(Clock::now() - start < 10s);
}
