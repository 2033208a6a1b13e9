// OpenSSL on the socket itself (net/tls_session), as Stream uses it, against
// asio's TLS stream as the server: real OpenSSL at both ends.
#include "net/tls_session.h"

#include <doctest/doctest.h>

#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "support/tls_harness.h"
#include "support/tls_pair.h"

using namespace odmr;
using namespace std::chrono_literals;

namespace {

constexpr auto tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string pattern(std::size_t size) {
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        text[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return text;
}

struct Connected {
    test::TestCertificate identity = test::make_certificate();
    std::unique_ptr<asio::ssl::context> server_context = test::server_context(identity);
    std::unique_ptr<asio::ssl::context> client_context = test::client_context(identity);
    test::TlsPair pair{*server_context, *client_context};
    Connected() {
        auto shaken = pair.handshake({"localhost", {}});
        REQUIRE_MESSAGE(shaken.ok(), shaken.error().message());
    }
};

}  // namespace

TEST_CASE("a TLS stream carries a megabyte each way intact, several records per read") {
    Connected c;
    const std::string sent = pattern(1 << 20);
    std::string received;
    std::size_t largest_read = 0;
    auto server = [&]() -> asio::awaitable<void> {
        co_await asio::async_write(c.pair.server(), asio::buffer(sent), tuple);
    };
    auto client = [&]() -> asio::awaitable<void> {
        std::vector<char> buffer(256 * 1024);
        while (received.size() < sent.size()) {
            auto n = co_await c.pair.client().read_some(buffer, 5s);
            REQUIRE(n.ok());
            received.append(buffer.data(), *n);
            largest_read = std::max(largest_read, *n);
        }
    };
    test::spawn(c.pair.io(), server());
    test::spawn(c.pair.io(), client());
    test::run_all(c.pair.io());
    CHECK(received == sent);
    CHECK(largest_read > 16384);  // read-ahead: more than one record per call

    c.pair.io().restart();
    std::string echoed(sent.size(), '\0');
    std::optional<Status> written;
    auto writer = [&]() -> asio::awaitable<void> {
        written.emplace(co_await c.pair.client().write(sent, 5s));
    };
    auto reader = [&]() -> asio::awaitable<void> {
        co_await asio::async_read(c.pair.server(), asio::buffer(echoed), tuple);
    };
    test::spawn(c.pair.io(), writer());
    test::spawn(c.pair.io(), reader());
    test::run_all(c.pair.io());
    REQUIRE(written.has_value());
    CHECK(written->ok());
    CHECK(echoed == sent);
}

TEST_CASE("the peer's close_notify reads as a lost connection") {
    Connected c;
    std::optional<Result<std::size_t>> read;
    auto server = [&]() -> asio::awaitable<void> {
        co_await c.pair.server().async_shutdown(tuple);
    };
    auto client = [&]() -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        read.emplace(co_await c.pair.client().read_some(buffer, 5s));
        c.pair.client().close();  // the server's shutdown waits for this
    };
    test::spawn(c.pair.io(), client());
    test::spawn(c.pair.io(), server());
    test::run_all(c.pair.io());
    REQUIRE(read.has_value());
    REQUIRE_FALSE(read->ok());
    CHECK(read->error().is(Errc::connection_lost));
}

TEST_CASE("a peer gone without close_notify reads as a lost connection") {
    Connected c;
    c.pair.server().next_layer().close();
    std::optional<Result<std::size_t>> read;
    auto client = [&]() -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        read.emplace(co_await c.pair.client().read_some(buffer, 5s));
    };
    test::spawn(c.pair.io(), client());
    test::run_all(c.pair.io());
    REQUIRE(read.has_value());
    REQUIRE_FALSE(read->ok());
    CHECK(read->error().is(Errc::connection_lost));
}

TEST_CASE("close() sends close_notify: the server sees a clean end, not a truncation") {
    Connected c;
    c.pair.client().close();
    std::error_code seen;
    auto server = [&]() -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        auto [ec, n] = co_await c.pair.server().async_read_some(asio::buffer(buffer), tuple);
        seen = ec;
    };
    test::spawn(c.pair.io(), server());
    test::run_all(c.pair.io());
    CHECK(seen == asio::error::eof);
}

TEST_CASE("a silent TLS peer is a timeout, and stop_reading ends a waiting TLS read") {
    Connected c;
    std::optional<Result<std::size_t>> timed_out, stopped;
    auto started = std::chrono::steady_clock::now();
    auto client = [&]() -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        timed_out.emplace(co_await c.pair.client().read_some(buffer, 100ms));
        stopped.emplace(co_await c.pair.client().read_some(buffer, 30s));
    };
    auto stopper = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(c.pair.io(), 300ms);
        co_await timer.async_wait(tuple);
        c.pair.client().stop_reading();
    };
    test::spawn(c.pair.io(), client());
    test::spawn(c.pair.io(), stopper());
    test::run_all(c.pair.io());
    REQUIRE(timed_out.has_value());
    CHECK(timed_out->error().is(Errc::timeout));
    REQUIRE(stopped.has_value());
    CHECK(stopped->error().is(Errc::stopped));
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("a TLS stream reads and writes at the same time") {
    Connected c;
    const std::string sent = pattern(512 * 1024);
    std::string from_server, to_server(sent.size(), '\0');
    std::optional<Status> written;
    auto client_reads = [&]() -> asio::awaitable<void> {
        std::vector<char> buffer(64 * 1024);
        while (from_server.size() < sent.size()) {
            auto n = co_await c.pair.client().read_some(buffer, 5s);
            REQUIRE(n.ok());
            from_server.append(buffer.data(), *n);
        }
    };
    auto client_writes = [&]() -> asio::awaitable<void> {
        written.emplace(co_await c.pair.client().write(sent, 5s));
    };
    auto server_writes = [&]() -> asio::awaitable<void> {
        co_await asio::async_write(c.pair.server(), asio::buffer(sent), tuple);
    };
    auto server_reads = [&]() -> asio::awaitable<void> {
        co_await asio::async_read(c.pair.server(), asio::buffer(to_server), tuple);
    };
    test::spawn(c.pair.io(), client_reads());
    test::spawn(c.pair.io(), client_writes());
    test::spawn(c.pair.io(), server_writes());
    test::spawn(c.pair.io(), server_reads());
    test::run_all(c.pair.io());
    CHECK(from_server == sent);
    REQUIRE(written.has_value());
    CHECK(written->ok());
    CHECK(to_server == sent);
}
