#include "net/connect.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <charconv>

namespace odmr::net {
namespace {

using asio::experimental::awaitable_operators::operator||;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

Result<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        return make_error(Errc::usage, "invalid port \"" + std::string(text) + "\"");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
    HostPort out{std::string(), default_port};
    std::string_view port_text;
    bool has_port = false;  // a ':' that separates a port was found
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos)
            return make_error(Errc::usage, "missing ']' in \"" + std::string(text) + "\"");
        out.host = text.substr(1, close - 1);
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':'))
                return make_error(Errc::usage,
                                  "unexpected text after ']' in \"" + std::string(text) + "\"");
            port_text = rest.substr(1);
            has_port = true;
        }
    } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
        if (text.find(':', colon + 1) != std::string_view::npos) {
            out.host = text;  // a bare IPv6 literal
        } else {
            out.host = text.substr(0, colon);
            port_text = text.substr(colon + 1);
            has_port = true;
        }
    } else {
        out.host = text;
    }
    if (out.host.empty()) return make_error(Errc::usage, "empty host name");
    if (has_port) {
        auto port = parse_port(port_text);
        if (!port) return port.error();
        out.port = *port;
    }
    return out;
}

asio::awaitable<Result<asio::ip::tcp::socket>> connect(const HostPort& where, Duration timeout) {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    asio::steady_timer timer(executor);
    timer.expires_after(timeout);
    auto resolved =
        co_await (resolver.async_resolve(where.host, std::to_string(where.port), use_tuple) ||
                  timer.async_wait(use_tuple));
    if (resolved.index() == 1)
        co_return make_error(Errc::timeout, "resolving " + where.host + " timed out");
    auto [resolve_ec, results] = std::get<0>(std::move(resolved));
    if (resolve_ec == asio::error::host_not_found ||
        resolve_ec == asio::error::host_not_found_try_again || resolve_ec == asio::error::no_data)
        co_return make_error(Errc::no_host, "cannot resolve " + where.host);
    if (resolve_ec) co_return make_error(resolve_ec, "resolving " + where.host);

    Error last = make_error(Errc::no_host, "no address for " + where.host);
    for (const auto& entry : results) {
        asio::ip::tcp::socket socket(executor);
        timer.expires_after(timeout);
        auto attempt = co_await (socket.async_connect(entry.endpoint(), use_tuple) ||
                                 timer.async_wait(use_tuple));
        std::string target =
            entry.endpoint().address().to_string() + " port " + std::to_string(where.port);
        if (attempt.index() == 1) {
            last = make_error(Errc::timeout, "connecting to " + target + " timed out");
            continue;
        }
        auto [ec] = std::get<0>(attempt);
        if (!ec) {
            socket.set_option(asio::ip::tcp::no_delay(true), ec);
            co_return std::move(socket);
        }
        last = make_error(Errc::unavailable, "connecting to " + target + ": " + ec.message());
    }
    co_return last;
}

}  // namespace odmr::net
