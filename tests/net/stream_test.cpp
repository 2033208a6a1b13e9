#include "net/stream.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/local/connect_pair.hpp>
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
