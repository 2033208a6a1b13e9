// The far end of a line-based conversation (SMTP, LMTP) for tests that
// drive real sockets: read a CRLF line, send text, and play a client's
// script step by step.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <string>
#include <utility>
#include <vector>

namespace odmr::test {

// The next line with its CRLF; empty once the peer closed.
inline asio::awaitable<std::string> read_line(asio::ip::tcp::socket& socket, std::string& buffer) {
    constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
    auto [ec, n] =
        co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n", use_tuple);
    if (ec) co_return std::string();
    std::string line = buffer.substr(0, n);
    buffer.erase(0, n);
    co_return line;
}

inline asio::awaitable<void> send(asio::ip::tcp::socket& socket, std::string text) {
    constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
    co_await asio::async_write(socket, asio::buffer(text), use_tuple);
}

// The last line of the next reply (multi-line replies are skipped to their
// end); empty once the peer closed.
inline asio::awaitable<std::string> read_reply(asio::ip::tcp::socket& socket,
                                               std::string& buffer) {
    std::string line = co_await read_line(socket, buffer);
    while (line.size() > 3 && line[3] == '-') line = co_await read_line(socket, buffer);
    co_return line;
}

// An SMTP client's side: reads the greeting, then for each step sends its
// text and reads one reply. Returns the reply lines read (the greeting
// first), stopping at the first missing one, and closes the socket.
inline asio::awaitable<std::vector<std::string>> client_script(asio::ip::tcp::socket& socket,
                                                               std::vector<std::string> steps) {
    std::string buffer;
    std::vector<std::string> replies;
    replies.push_back(co_await read_reply(socket, buffer));
    for (auto& step : steps) {
        co_await send(socket, std::move(step));
        std::string reply = co_await read_reply(socket, buffer);
        if (reply.empty()) break;
        replies.push_back(std::move(reply));
    }
    socket.close();
    co_return replies;
}

}  // namespace odmr::test
