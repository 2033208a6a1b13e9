#include "deliver/local_endpoint.h"

#include <doctest/doctest.h>

#include <asio/local/stream_protocol.hpp>
#include <filesystem>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::deliver;
namespace fs = std::filesystem;

TEST_CASE("unix:/path is a socket path, which must be absolute") {
    auto endpoint = parse_local_endpoint("unix:/run/dovecot/lmtp");
    REQUIRE(endpoint.ok());
    CHECK(endpoint->unix_path == "/run/dovecot/lmtp");
    CHECK(endpoint->describe() == "unix:/run/dovecot/lmtp");
    CHECK(parse_local_endpoint("unix:run/lmtp").error().is(Errc::usage));
}

TEST_CASE("HOST:PORT needs the port, IPv6 literals go in brackets") {
    auto endpoint = parse_local_endpoint("[::1]:24");
    REQUIRE(endpoint.ok());
    CHECK(endpoint->unix_path.empty());
    CHECK(endpoint->tcp.host == "::1");
    CHECK(endpoint->tcp.port == 24);
    CHECK(endpoint->describe() == "::1 port 24");
    auto no_port = parse_local_endpoint("localhost");
    REQUIRE_FALSE(no_port.ok());
    CHECK(no_port.error().is(Errc::usage));
    CHECK(no_port.error().detail.find("needs a port") != std::string::npos);
}

TEST_CASE("connecting to a UNIX socket where nothing listens is 'unavailable', naming it") {
    LocalEndpoint endpoint;
    endpoint.unix_path = (fs::temp_directory_path() / "odmr-endpoint-test-none.sock").string();
    auto socket = test::run(connect_local(endpoint, std::chrono::seconds(2)));
    REQUIRE_FALSE(socket.ok());
    CHECK(socket.error().is(Errc::unavailable));
    CHECK(socket.error().detail.find(endpoint.describe()) != std::string::npos);
}

TEST_CASE("a listening UNIX socket and a listening TCP port are both reached") {
    asio::io_context io;
    fs::path path = fs::temp_directory_path() / "odmr-endpoint-test.sock";
    fs::remove(path);
    asio::local::stream_protocol::acceptor unix_listener(io, {path.string()});
    asio::ip::tcp::acceptor tcp_listener(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
    LocalEndpoint over_unix;
    over_unix.unix_path = path.string();
    LocalEndpoint over_tcp;
    over_tcp.tcp = {"127.0.0.1", tcp_listener.local_endpoint().port()};
    std::optional<bool> unix_ok, tcp_ok;
    auto reach = [](LocalEndpoint endpoint) -> asio::awaitable<bool> {
        auto socket = co_await connect_local(endpoint, std::chrono::seconds(2));
        co_return socket.ok();
    };
    test::spawn(io, reach(over_unix), unix_ok);
    test::spawn(io, reach(over_tcp), tcp_ok);
    test::run_all(io);
    CHECK(*unix_ok);
    CHECK(*tcp_ok);
    fs::remove(path);
}
