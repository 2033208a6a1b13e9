#include "net/socks5.h"

#include <doctest/doctest.h>

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <set>
#include <string>

#include "net/awaitable.h"
#include "net/reader.h"
#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::net;
using namespace std::string_literals;

namespace {

// A scripted proxy: reads what the client must send and answers with
// `replies`, one per expected request, all at once per step.
struct Script {
    std::string greeting_reply = "\x05\x00"s;
    std::string auth_reply;  // sent after the RFC 1929 request when not empty
    std::string connect_reply = "\x05\x00\x00\x01\x7f\x00\x00\x01\x01\x6e"s;
    std::string after;  // bytes of the "provider", in the same write as the reply
};

struct Heard {
    std::string greeting, auth, request;
};

asio::awaitable<std::string> read_n(asio::ip::tcp::socket& socket, std::size_t n) {
    std::string out(n, '\0');
    auto [ec, got] = co_await asio::async_read(socket, asio::buffer(out), use_tuple);
    out.resize(got);
    co_return out;
}

asio::awaitable<void> proxy(asio::ip::tcp::socket& socket, Script script, Heard& heard) {
    heard.greeting = co_await read_n(socket, 2);
    heard.greeting += co_await read_n(socket, static_cast<unsigned char>(heard.greeting[1]));
    co_await asio::async_write(socket, asio::buffer(script.greeting_reply), use_tuple);
    if (!script.auth_reply.empty()) {
        heard.auth = co_await read_n(socket, 2);
        heard.auth += co_await read_n(socket, static_cast<unsigned char>(heard.auth[1]) + 1);
        heard.auth += co_await read_n(socket, static_cast<unsigned char>(heard.auth.back()));
        co_await asio::async_write(socket, asio::buffer(script.auth_reply), use_tuple);
        if (script.auth_reply[1] != 0) co_return;
    }
    heard.request = co_await read_n(socket, 5);
    if (heard.request.size() < 5) co_return;
    std::size_t rest = heard.request[3] == 3   ? static_cast<unsigned char>(heard.request[4]) + 2
                       : heard.request[3] == 1 ? 5
                                               : 17;
    heard.request += co_await read_n(socket, rest);
    std::string answer = script.connect_reply + script.after;
    co_await asio::async_write(socket, asio::buffer(answer), use_tuple);
}

struct Run {
    Status result;
    Heard heard;
    std::string first_line;  // what the "provider" said after the proxy's reply
};

Run run_through(const Script& script, const Socks5Proxy& via, const HostPort& target) {
    asio::io_context io;
    auto [client_socket, proxy_socket] = test::loopback_pair(io);
    Stream stream(std::move(client_socket));
    Run run;
    std::optional<Status> result;
    auto client = [&]() -> asio::awaitable<Status> {
        auto through = co_await socks5_connect(stream, via, target, std::chrono::seconds(5));
        if (through && !script.after.empty()) {
            Reader reader(stream);
            auto line = co_await reader.read_line(1000, std::chrono::seconds(5));
            if (line) run.first_line = std::string(*line);
        }
        stream.close();
        co_return through;
    };
    test::spawn(io, client(), result);
    test::spawn(io, proxy(proxy_socket, script, run.heard));
    test::run_all(io);
    run.result = std::move(*result);
    return run;
}

Socks5Proxy must_parse(std::string_view url) {
    auto proxy = parse_proxy_url(url);
    REQUIRE_MESSAGE(proxy.ok(), proxy.error().message());
    return std::move(proxy.value());
}

}  // namespace

TEST_CASE("proxy URLs: socks5:// and socks5h://, port 1080 unless given") {
    auto plain = must_parse("socks5://127.0.0.1:9050");
    CHECK(plain.server.host == "127.0.0.1");
    CHECK(plain.server.port == 9050);
    CHECK(plain.user.empty());
    auto h = must_parse("socks5h://proxy.example");
    CHECK(h.server.host == "proxy.example");
    CHECK(h.server.port == 1080);
    auto v6 = must_parse("socks5://[::1]:1081/");
    CHECK(v6.server.host == "::1");
    CHECK(v6.server.port == 1081);
}

TEST_CASE("proxy URLs may carry a percent-encoded user name and password") {
    auto proxy = must_parse("socks5://al%40ice:p%3Ass@w%25rd@127.0.0.1:1080");
    CHECK(proxy.user == "al@ice");
    proxy.password.with([](std::string_view p) { CHECK(p == "p:ss@w%rd"); });
}

TEST_CASE("bad proxy URLs are usage errors") {
    for (const char* bad : {"http://proxy:3128", "socks4://proxy", "socks5://", "socks5://:pw@host",
                            "socks5://u:p%zz@host", "socks5://host:99999", "proxy:1080"}) {
        CAPTURE(bad);
        auto proxy = parse_proxy_url(bad);
        REQUIRE_FALSE(proxy.ok());
        CHECK(proxy.error().is(Errc::usage));
    }
}

TEST_CASE("the CONNECT request names the host for the proxy to resolve") {
    auto request = socks5::connect_request({"odmr.example.net", 366});
    REQUIRE(request.ok());
    CHECK(*request == "\x05\x01\x00\x03\x10odmr.example.net\x01\x6e"s);
    CHECK(socks5::connect_request({"192.0.2.7", 25}).value() ==
          "\x05\x01\x00\x01\xc0\x00\x02\x07\x00\x19"s);
    auto v6 = socks5::connect_request({"2001:db8::1", 366});
    REQUIRE(v6.ok());
    CHECK(v6->size() == 4 + 16 + 2);
    CHECK((*v6)[3] == 4);
    CHECK_FALSE(socks5::connect_request({std::string(256, 'a'), 1}).ok());
}

TEST_CASE("greetings offer user/password only when there is a user name") {
    CHECK(socks5::greeting(false) == "\x05\x01\x00"s);
    CHECK(socks5::greeting(true) == "\x05\x02\x00\x02"s);
    Secret password("pw");
    CHECK(socks5::password_request("user", password).value() == "\x01\x04user\x02pw"s);
}

TEST_CASE("every SOCKS reply code has its own words") {
    std::set<std::string> messages;
    for (unsigned char code = 1; code <= 9; ++code) {
        auto error = socks5::reply_error(code, "odmr.example.net port 366");
        CHECK(error.message().find("odmr.example.net port 366") != std::string::npos);
        messages.insert(error.message());
    }
    CHECK(messages.size() == 9);
    CHECK(socks5::reply_error(5, "x").message().find("refused") != std::string::npos);
    CHECK(socks5::reply_error(6, "x").is(Errc::timeout));
}

TEST_CASE("a connection through the proxy leaves the provider's first bytes unread") {
    Script script;
    script.after = "220 provider ESMTP\r\n";
    auto run = run_through(script, must_parse("socks5://127.0.0.1"), {"odmr.example.net", 366});
    REQUIRE_MESSAGE(run.result.ok(), run.result.error().message());
    CHECK(run.heard.greeting == "\x05\x01\x00"s);
    CHECK(run.heard.request == "\x05\x01\x00\x03\x10odmr.example.net\x01\x6e"s);
    CHECK(run.first_line == "220 provider ESMTP");
}

TEST_CASE("a reply with a domain-name address is read to its end") {
    Script script;
    script.connect_reply = "\x05\x00\x00\x03\x05proxy\x01\x6e"s;
    script.after = "220 ready\r\n";
    auto run = run_through(script, must_parse("socks5://127.0.0.1"), {"provider.test", 366});
    REQUIRE_MESSAGE(run.result.ok(), run.result.error().message());
    CHECK(run.first_line == "220 ready");
}

TEST_CASE("user name and password are sent when the proxy asks for them") {
    Script script;
    script.greeting_reply = "\x05\x02"s;
    script.auth_reply = "\x01\x00"s;
    auto run = run_through(script, must_parse("socks5://alice:s3cret@127.0.0.1"), {"p.test", 366});
    REQUIRE_MESSAGE(run.result.ok(), run.result.error().message());
    CHECK(run.heard.greeting == "\x05\x02\x00\x02"s);
    CHECK(run.heard.auth ==
          "\x01\x05"
          "alice\x06s3cret"s);
}

TEST_CASE("a refused password is an authentication error") {
    Script script;
    script.greeting_reply = "\x05\x02"s;
    script.auth_reply = "\x01\x01"s;
    auto run = run_through(script, must_parse("socks5://alice:wrong@127.0.0.1"), {"p.test", 366});
    REQUIRE_FALSE(run.result.ok());
    CHECK(run.result.error().is(Errc::auth_rejected));
}

TEST_CASE("a proxy that wants a password we do not have says so") {
    Script script;
    script.greeting_reply = "\x05\xff"s;
    auto run = run_through(script, must_parse("socks5://127.0.0.1"), {"p.test", 366});
    REQUIRE_FALSE(run.result.ok());
    CHECK(run.result.error().is(Errc::auth_unavailable));
    CHECK(run.result.error().message().find("--proxy") != std::string::npos);
}

TEST_CASE("a refused CONNECT is reported with the proxy's reason") {
    Script script;
    script.connect_reply = "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"s;
    auto run = run_through(script, must_parse("socks5://127.0.0.1"), {"p.test", 366});
    REQUIRE_FALSE(run.result.ok());
    CHECK(run.result.error().is(Errc::unavailable));
    CHECK(run.result.error().message().find("connection refused") != std::string::npos);
}

TEST_CASE("something that is not a SOCKS5 proxy is a protocol error") {
    Script script;
    script.greeting_reply = "HT"s;  // "HTTP/1.1 400 Bad Request" from an HTTP proxy
    auto run = run_through(script, must_parse("socks5://127.0.0.1"), {"p.test", 366});
    REQUIRE_FALSE(run.result.ok());
    CHECK(run.result.error().is(Errc::protocol));
}
