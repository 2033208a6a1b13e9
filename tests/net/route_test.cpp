#include "net/route.h"

#include <doctest/doctest.h>

#include <asio/ssl/context.hpp>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::net;

TEST_CASE("a route names the provider, and the proxy on the way if there is one") {
    Route direct{{"odmr.example.net", 366}, std::nullopt};
    CHECK(describe(direct) == "odmr.example.net port 366");
    auto proxy = parse_proxy_url("socks5://127.0.0.1:9050");
    REQUIRE(proxy.ok());
    Route via{{"odmr.example.net", 366}, std::move(*proxy)};
    CHECK(describe(via) == "odmr.example.net port 366 via SOCKS5 proxy 127.0.0.1 port 9050");
}

TEST_CASE("a direct route opens a plain stream to the provider") {
    asio::io_context io;
    asio::ip::tcp::acceptor provider(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
    asio::ssl::context tls(asio::ssl::context::tls_client);
    Route route{{"127.0.0.1", provider.local_endpoint().port()}, std::nullopt};
    std::optional<bool> opened;
    auto open = [&]() -> asio::awaitable<bool> {
        auto stream = co_await open_stream(route, tls, std::chrono::seconds(2));
        co_return stream.ok() && !(*stream)->tls_active();
    };
    test::spawn(io, open(), opened);
    test::run_all(io);
    CHECK(*opened);
}

TEST_CASE("a proxy that cannot be reached is named in the error") {
    asio::io_context io;
    // A port that was just free: nothing listens there any more.
    std::uint16_t closed_port;
    {
        asio::ip::tcp::acceptor probe(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
        closed_port = probe.local_endpoint().port();
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    auto proxy = parse_proxy_url("socks5://127.0.0.1:" + std::to_string(closed_port));
    REQUIRE(proxy.ok());
    Route route{{"odmr.example.net", 366}, std::move(*proxy)};
    std::optional<Result<std::unique_ptr<Stream>>> opened;
    test::spawn(io, open_stream(route, tls, std::chrono::seconds(2)), opened);
    test::run_all(io);
    REQUIRE_FALSE(opened->ok());
    CHECK(opened->error().detail.starts_with("SOCKS5 proxy: "));
}
