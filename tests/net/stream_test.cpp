#include "net/stream.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/read.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "support/asio_harness.h"

using namespace odmr;
using namespace std::chrono_literals;

TEST_CASE("stop_reading ends a waiting read at once with Errc::stopped") {
    asio::io_context io;
    auto [peer, ours] = test::loopback_pair(io);
    asio::ssl::context tls(asio::ssl::context::tls_client);
    net::Stream stream(std::move(ours), tls);
    std::optional<Result<std::size_t>> read;
    auto started = std::chrono::steady_clock::now();
    auto reader = [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer{};
        read.emplace(co_await stream.read_some(buffer, 30s));  // the peer says nothing
    };
    auto stopper = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io, 50ms);
        co_await timer.async_wait(asio::use_awaitable);
        stream.stop_reading();
    };
    test::spawn(io, reader());
    test::spawn(io, stopper());
    test::run_all(io);
    REQUIRE(read.has_value());
    REQUIRE_FALSE(*read);
    CHECK(read->error().is(Errc::stopped));
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("after stop_reading, reads fail and writes still go out") {
    asio::io_context io;
    auto [peer, ours] = test::loopback_pair(io);
    asio::ssl::context tls(asio::ssl::context::tls_client);
    net::Stream stream(std::move(ours), tls);
    stream.stop_reading();
    CHECK(stream.reading_stopped());
    std::string reply = "421 4.3.2 Shutting down\r\n";
    std::optional<Result<std::size_t>> read;
    std::optional<Status> written;
    auto task = [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer{};
        read.emplace(co_await stream.read_some(buffer, 1s));
        written.emplace(co_await stream.write(reply, 1s));
    };
    test::spawn(io, task());
    test::run_all(io);
    REQUIRE(read.has_value());
    REQUIRE_FALSE(*read);
    CHECK(read->error().is(Errc::stopped));
    REQUIRE(written.has_value());
    CHECK(written->ok());
    std::string got(reply.size(), '\0');
    asio::read(peer, asio::buffer(got));
    CHECK(got == reply);
}
