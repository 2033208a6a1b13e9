#include "net/stream.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/local/connect_pair.hpp>
#include <asio/read.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "support/asio_harness.h"

using namespace odmr;
using namespace std::chrono_literals;

namespace {

// Writes `text` on `from`, reads it back on `to`.
asio::awaitable<Result<std::string>> pass(net::Stream& from, net::Stream& to, std::string text) {
    if (auto sent = co_await from.write(text, 5s); !sent) co_return sent.error();
    std::string out(text.size(), '\0');
    std::size_t have = 0;
    while (have < out.size()) {
        auto got = co_await to.read_some(std::span(out).subspan(have), 5s);
        if (!got) co_return got.error();
        have += *got;
    }
    co_return out;
}

}  // namespace

TEST_CASE("a local socket carries bytes both ways and has no remote address") {
    asio::io_context io;
    net::LocalSocket a(io), b(io);
    asio::local::connect_pair(a, b);
    net::Stream left(std::move(a)), right(std::move(b));
    std::optional<Result<std::string>> there, back;
    test::spawn(io, pass(left, right, "EHLO customer\r\n"), there);
    test::spawn(io, pass(right, left, "250 OK\r\n"), back);
    test::run_all(io);
    REQUIRE(there->ok());
    CHECK(**there == "EHLO customer\r\n");
    REQUIRE(back->ok());
    CHECK(**back == "250 OK\r\n");
    CHECK(left.remote_address().empty());
    CHECK_FALSE(left.tls_active());
}

TEST_CASE("a stream made without a TLS context refuses a handshake") {
    asio::io_context io;
    net::LocalSocket a(io), b(io);
    asio::local::connect_pair(a, b);
    net::Stream local(std::move(a));
    auto pair = test::loopback_pair(io);
    net::Stream tcp(std::move(pair.client));
    std::optional<Status> local_tls, tcp_tls;
    test::spawn(io, local.handshake({"localhost", {}}, 1s), local_tls);
    test::spawn(io, tcp.handshake({"localhost", {}}, 1s), tcp_tls);
    test::run_all(io);
    CHECK(local_tls->error().is(Errc::tls));
    CHECK(tcp_tls->error().is(Errc::tls));
    CHECK(tcp.remote_address() == "127.0.0.1");
    CHECK_FALSE(tcp.channel_binding(net::BindingType::automatic).ok());
}

TEST_CASE("a closed local peer reads as a lost connection") {
    asio::io_context io;
    net::LocalSocket a(io), b(io);
    asio::local::connect_pair(a, b);
    net::Stream left(std::move(a)), right(std::move(b));
    right.close();
    std::array<char, 8> buffer{};
    std::optional<Result<std::size_t>> read;
    test::spawn(io, left.read_some(buffer, 1s), read);
    test::run_all(io);
    REQUIRE_FALSE(read->ok());
    CHECK(read->error().is(Errc::connection_lost));
}

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
