// Small helpers for tests that drive coroutines: run an awaitable to its end
// on a private io_context, and make a connected pair of loopback sockets.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace odmr::test {

namespace detail {

template <class T>
asio::awaitable<void> store(asio::awaitable<T> task, std::optional<T>& out) {
    out.emplace(co_await std::move(task));
}

inline void rethrow(std::exception_ptr error) {
    if (error) std::rethrow_exception(error);
}

}  // namespace detail

// Spawns `task` on `io` with its result kept in `out` (an exception thrown by
// the task escapes from io.run()).
template <class T>
void spawn(asio::io_context& io, asio::awaitable<T> task, std::optional<T>& out) {
    asio::co_spawn(io, detail::store(std::move(task), out), detail::rethrow);
}

inline void spawn(asio::io_context& io, asio::awaitable<void> task) {
    asio::co_spawn(io, std::move(task), detail::rethrow);
}

// Runs `io` until every spawned task finished, or fails after `limit` so a
// hung peer cannot hang the test binary.
inline void run_all(asio::io_context& io,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    io.run_for(limit);
    if (!io.stopped()) throw std::runtime_error("coroutines still running after the time limit");
}

// Runs one awaitable to completion and returns its result.
template <class T>
T run(asio::awaitable<T> task) {
    asio::io_context io;
    std::optional<T> out;
    spawn(io, std::move(task), out);
    run_all(io);
    return std::move(*out);
}

struct SocketPair {
    asio::ip::tcp::socket client;
    asio::ip::tcp::socket server;
};

// Two ends of one TCP connection over 127.0.0.1 (an ephemeral port).
inline SocketPair loopback_pair(asio::io_context& io) {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
    asio::ip::tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket server = acceptor.accept();
    return {std::move(client), std::move(server)};
}

}  // namespace odmr::test
