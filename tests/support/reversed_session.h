// The reversed session driven over a real loopback connection, for the
// server tests: the provider's side writes a script of commands (pipelined,
// all at once) and collects every reply; the server runs against a
// RecordingSink.
#pragma once

#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/server.h"
#include "support/asio_harness.h"
#include "support/recording_sink.h"

// A namespace of its own: its `mail` (the MAIL command) would clash with
// odmr::mail.
namespace odmr::test::reversed {

using smtp::Server;
using smtp::ServerConfig;
using smtp::SessionReport;

inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
inline const Log quiet(0, nullptr);

inline ServerConfig config() {
    ServerConfig c;
    c.hostname = "customer.example.org";
    c.domains = {"example.org", "example.com"};
    c.max_message_size = 1000;
    c.command_timeout = std::chrono::seconds(5);
    c.data_timeout = std::chrono::seconds(5);
    return c;
}

// What the provider does once it has written its input.
enum class Then { half_close, keep_open };

struct Session {
    std::optional<Result<SessionReport>> result;
    std::string received;  // every byte the server sent

    const Result<SessionReport>& outcome() const { return *result; }
    const SessionReport& report() const {
        REQUIRE_MESSAGE(result->ok(), result->error().message());
        return result->value();
    }
    // Every reply line, without CRLF.
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::size_t start = 0;
        for (auto end = received.find("\r\n"); end != std::string::npos;
             start = end + 2, end = received.find("\r\n", start))
            out.push_back(received.substr(start, end - start));
        return out;
    }
    // The code of each complete reply (its last line), in order.
    std::vector<int> codes() const {
        std::vector<int> out;
        for (const auto& line : lines())
            if (line.size() < 4 || line[3] == ' ') out.push_back(std::stoi(line.substr(0, 3)));
        return out;
    }
    bool has_line_starting(std::string_view prefix) const {
        for (const auto& line : lines())
            if (line.starts_with(prefix)) return true;
        return false;
    }
};

inline asio::awaitable<Result<SessionReport>> serve(net::Stream& stream, odmr::mail::Sink& sink,
                                                    const ServerConfig& config, const Log& log) {
    net::Reader reader(stream);
    Server server(reader, sink, config, log);
    auto result = co_await server.run();
    stream.close();
    co_return result;
}

// The provider's side: writes `input` at once, then reads to the end.
inline asio::awaitable<void> provide(asio::ip::tcp::socket& socket, std::string input, Then then,
                                     std::string& received) {
    if (!input.empty()) co_await asio::async_write(socket, asio::buffer(input), use_tuple);
    std::error_code ignored;
    if (then == Then::half_close) socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> buffer{};
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) break;
        received.append(buffer.data(), n);
    }
}

inline Session converse(std::string input, RecordingSink& sink, const ServerConfig& config,
                        Then then = Then::half_close, const Log& log = quiet) {
    asio::io_context io;
    auto [client, server_socket] = test::loopback_pair(io);
    net::Stream stream(std::move(server_socket));
    Session session;
    test::spawn(io, serve(stream, sink, config, log), session.result);
    test::spawn(io, provide(client, std::move(input), then, session.received));
    test::run_all(io);
    REQUIRE(session.result.has_value());
    return session;
}

inline Session converse(std::string input, const ServerConfig& c = config()) {
    RecordingSink sink;
    return converse(std::move(input), sink, c);
}

inline const std::string ehlo = "EHLO provider.test\r\n";
inline const std::string mail = "MAIL FROM:<sender@origin.test>\r\n";
inline const std::string rcpt = "RCPT TO:<alice@example.org>\r\n";
inline const std::string quit = "QUIT\r\n";

using Codes = std::vector<int>;

}  // namespace odmr::test::reversed
