#include "deliver/local_endpoint.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "net/awaitable.h"

namespace odmr::deliver {

using net::use_tuple;

std::string LocalEndpoint::describe() const {
    if (!unix_path.empty()) return "unix:" + unix_path;
    return tcp.host + " port " + std::to_string(tcp.port);
}

Result<LocalEndpoint> parse_local_endpoint(std::string_view text) {
    LocalEndpoint out;
    if (text.starts_with("unix:")) {
        out.unix_path = text.substr(5);
        if (!out.unix_path.starts_with('/'))
            return make_error(Errc::usage,
                              "unix: needs an absolute socket path, not \"" + out.unix_path + "\"");
        return out;
    }
    auto parsed = net::parse_host_port(text, 0);
    if (!parsed) return parsed.error();
    if (parsed->port == 0)
        return make_error(Errc::usage,
                          "\"" + std::string(text) + "\" needs a port (HOST:PORT) or unix:/path");
    out.tcp = std::move(*parsed);
    return out;
}

Result<net::LocalSocket> adopt_local_socket(const asio::any_io_executor& executor, int fd) {
    net::LocalSocket socket(executor);
    std::error_code ec;
    socket.assign(asio::local::stream_protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        return make_error(ec, "cannot use a local socket");
    }
    return socket;
}

asio::awaitable<Result<std::unique_ptr<net::Stream>>> connect_local(const LocalEndpoint& endpoint,
                                                                    Duration timeout) {
    if (endpoint.unix_path.empty()) {
        auto socket = co_await net::connect(endpoint.tcp, timeout);
        if (!socket)
            co_return make_error(socket.error().code, "connecting to " + endpoint.describe() +
                                                          ": " + socket.error().detail);
        co_return std::make_unique<net::Stream>(std::move(*socket));
    }
    auto executor = co_await asio::this_coro::executor;
    net::LocalSocket socket(executor);
    asio::steady_timer timer(executor);
    timer.expires_after(timeout);
    using asio::experimental::awaitable_operators::operator||;
    auto attempt = co_await (socket.async_connect({endpoint.unix_path}, use_tuple) ||
                             timer.async_wait(use_tuple));
    if (attempt.index() == 1)
        co_return make_error(Errc::timeout, "connecting to " + endpoint.describe() + " timed out");
    auto [ec] = std::get<0>(attempt);
    if (ec)
        co_return make_error(Errc::unavailable,
                             "connecting to " + endpoint.describe() + ": " + ec.message());
    co_return std::make_unique<net::Stream>(std::move(socket));
}

}  // namespace odmr::deliver
