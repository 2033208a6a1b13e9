#include "net/connect.h"

#include <sys/socket.h>

#include <doctest/doctest.h>

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <string_view>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::net;

namespace {

HostPort must_parse(std::string_view text, std::uint16_t default_port = 366) {
    auto parsed = parse_host_port(text, default_port);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
    return *parsed;
}

void check_refused(std::string_view text) {
    CAPTURE(text);
    auto parsed = parse_host_port(text, 366);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().is(Errc::usage));
}

}  // namespace

TEST_CASE("a bare host name takes the default port") {
    auto hp = must_parse("odmr.example.net");
    CHECK(hp.host == "odmr.example.net");
    CHECK(hp.port == 366);
}

TEST_CASE("host:port overrides the default port") {
    auto hp = must_parse("odmr.example.net:2525");
    CHECK(hp.host == "odmr.example.net");
    CHECK(hp.port == 2525);
    CHECK(must_parse("192.0.2.1:25").host == "192.0.2.1");
    CHECK(must_parse("192.0.2.1:65535").port == 65535);
    CHECK(must_parse("h:1").port == 1);
}

TEST_CASE("a bracketed IPv6 literal takes the default port") {
    auto hp = must_parse("[::1]");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 366);
}

TEST_CASE("a bracketed IPv6 literal may carry a port") {
    auto hp = must_parse("[::1]:25");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 25);
    CHECK(must_parse("[2001:db8::5]:587").host == "2001:db8::5");
}

TEST_CASE("a bare IPv6 literal is a host without a port") {
    auto hp = must_parse("::1");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 366);
    CHECK(must_parse("2001:db8::25").host == "2001:db8::25");
    CHECK(must_parse("2001:db8::25").port == 366);
}

TEST_CASE("ports out of range or not numeric are refused") {
    check_refused("host:0");
    check_refused("host:65536");
    check_refused("host:99999999999");
    check_refused("host:abc");
    check_refused("host:25x");
    check_refused("host:-1");
    check_refused("host: 25");
    check_refused("[::1]:0");
    check_refused("[::1]:65536");
}

TEST_CASE("an empty port after the colon is refused") {
    check_refused("host:");
    check_refused("[::1]:");
}

TEST_CASE("an empty host is refused") {
    check_refused("");
    check_refused(":25");
    check_refused("[]");
    check_refused("[]:25");
}

TEST_CASE("malformed brackets are refused") {
    check_refused("[::1");
    check_refused("[::1]25");
    check_refused("[::1]x:25");
}

TEST_CASE("a bare IPv6 literal ending in :: is a host without a port") {
    for (const char* literal : {"2001:db8::", "fe80::", "::"}) {
        auto parsed = odmr::net::parse_host_port(literal, 366);
        REQUIRE(parsed.ok());
        CHECK(parsed->host == literal);
        CHECK(parsed->port == 366);
    }
}

// ---- the race across addresses

namespace {

using asio::ip::tcp;

tcp::endpoint v4(std::uint16_t port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}
tcp::endpoint v6(std::uint16_t port) {
    return {asio::ip::make_address("::1"), port};
}

// A port on which nothing listens (bound, then closed).
std::uint16_t closed_port(asio::io_context& io) {
    tcp::acceptor probe(io, v4(0));
    auto port = probe.local_endpoint().port();
    probe.close();
    return port;
}

bool have_ipv6(asio::io_context& io) {
    std::error_code ec;
    tcp::acceptor probe(io);
    probe.open(tcp::v6(), ec);
    if (!ec) probe.bind(v6(0), ec);
    return !ec;
}

// A listener whose accept queue is full: Linux drops further SYNs, so a
// connection to it hangs, like one to an address behind a black hole.
struct BlackHole {
    tcp::acceptor listener;
    tcp::socket queued;
    tcp::socket waiting;
    explicit BlackHole(asio::io_context& io) : listener(io, v4(0)), queued(io), waiting(io) {
        listener.listen(0);
        queued.connect(endpoint());
        waiting.open(tcp::v4());
        waiting.non_blocking(true);
        // asio's own connect() would wait for the handshake even on a
        // non-blocking socket (for the kernel's two minutes of retries):
        // the system call returns at once with EINPROGRESS.
        auto target = endpoint();
        [[maybe_unused]] int in_progress = ::connect(waiting.native_handle(), target.data(),
                                                     static_cast<socklen_t>(target.size()));
    }
    tcp::endpoint endpoint() const { return listener.local_endpoint(); }
};

Result<tcp::socket> race(asio::io_context& io, std::vector<tcp::endpoint> endpoints,
                         std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::optional<Result<tcp::socket>> out;
    odmr::test::spawn(
        io,
        connect_any(std::move(endpoints), "the test host", timeout, std::chrono::milliseconds(50)),
        out);
    odmr::test::run_all(io);
    io.restart();
    return std::move(*out);
}

}  // namespace

TEST_CASE("families alternate, starting with the first address's") {
    std::vector<tcp::endpoint> given{v6(1), v6(2), v6(3), v4(4), v4(5)};
    CHECK(interleave_families(given) ==
          std::vector<tcp::endpoint>{v6(1), v4(4), v6(2), v4(5), v6(3)});
    std::vector<tcp::endpoint> v4_first{v4(1), v6(2), v6(3)};
    CHECK(interleave_families(v4_first) == std::vector<tcp::endpoint>{v4(1), v6(2), v6(3)});
    CHECK(interleave_families({}).empty());
}

TEST_CASE("a refused address is skipped for the next one") {
    asio::io_context io;
    tcp::acceptor listener(io, v4(0));
    auto socket = race(io, {v4(closed_port(io)), listener.local_endpoint()});
    REQUIRE_MESSAGE(socket.ok(), socket.error().message());
    CHECK(socket->remote_endpoint().port() == listener.local_endpoint().port());
}

TEST_CASE("when every address refuses, the error names each attempt") {
    asio::io_context io;
    auto a = closed_port(io), b = closed_port(io);
    auto socket = race(io, {v4(a), v4(b)});
    REQUIRE_FALSE(socket.ok());
    CHECK(socket.error().is(Errc::unavailable));
    CHECK(socket.error().message().find("the test host") != std::string::npos);
    CHECK(socket.error().message().find("refused") != std::string::npos);
}

TEST_CASE("an address that never answers does not hold up the next one") {
    asio::io_context io;
    BlackHole stalled(io);
    tcp::acceptor listener(io, v4(0));
    auto socket = race(io, {stalled.endpoint(), listener.local_endpoint()});
    REQUIRE_MESSAGE(socket.ok(), socket.error().message());
    CHECK(socket->remote_endpoint().port() == listener.local_endpoint().port());
}

TEST_CASE("nothing answering at all is a timeout") {
    asio::io_context io;
    BlackHole stalled(io);
    auto socket = race(io, {stalled.endpoint()}, std::chrono::milliseconds(300));
    REQUIRE_FALSE(socket.ok());
    CHECK(socket.error().is(Errc::timeout));
}

TEST_CASE("IPv6 loopback is reached when it is the address that answers") {
    asio::io_context io;
    if (!have_ipv6(io)) return;  // no IPv6 on this machine: nothing to test
    tcp::acceptor listener(io, v6(0));
    auto socket = race(io, {v6(listener.local_endpoint().port()), v4(closed_port(io))});
    REQUIRE_MESSAGE(socket.ok(), socket.error().message());
    CHECK(socket->remote_endpoint().address().is_v6());
}

TEST_CASE("connect resolves a name and reaches whichever family listens") {
    asio::io_context io;
    tcp::acceptor listener(io, v4(0));
    std::optional<Result<tcp::socket>> out;
    odmr::test::spawn(
        io, connect({"localhost", listener.local_endpoint().port()}, std::chrono::seconds(5)), out);
    odmr::test::run_all(io);
    REQUIRE_MESSAGE(out->ok(), out->error().message());
    CHECK((*out)->remote_endpoint().address().to_string() == "127.0.0.1");
}
