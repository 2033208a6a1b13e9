#include "net/connect.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <charconv>
#include <memory>
#include <optional>

#include "net/awaitable.h"

namespace odmr::net {
namespace {

using asio::experimental::awaitable_operators::operator||;

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

std::vector<asio::ip::tcp::endpoint> interleave_families(
    const std::vector<asio::ip::tcp::endpoint>& endpoints) {
    if (endpoints.empty()) return {};
    auto first_family = endpoints.front().protocol();
    std::vector<asio::ip::tcp::endpoint> same, other, out;
    for (const auto& e : endpoints) (e.protocol() == first_family ? same : other).push_back(e);
    for (std::size_t i = 0; i < std::max(same.size(), other.size()); ++i) {
        if (i < same.size()) out.push_back(same[i]);
        if (i < other.size()) out.push_back(other[i]);
    }
    return out;
}

namespace {

std::string describe(const asio::ip::tcp::endpoint& endpoint) {
    return endpoint.address().to_string();
}

// The attempts of one race. Each attempt is its own coroutine holding a
// reference to this state; `wake` is cancelled whenever one ends, which
// wakes the coroutine that runs the race.
struct Race {
    Race(const asio::any_io_executor& executor, std::size_t count) : wake(executor) {
        sockets.reserve(count);
        for (std::size_t i = 0; i < count; ++i) sockets.emplace_back(executor);
    }
    std::vector<asio::ip::tcp::socket> sockets;  // one per address; never resized
    asio::steady_timer wake;
    std::optional<std::size_t> winner;
    std::size_t started = 0;
    std::size_t finished = 0;
    std::vector<std::string> failures;  // "::1: Connection refused"
};

asio::awaitable<void> attempt(std::shared_ptr<Race> race, std::size_t index,
                              asio::ip::tcp::endpoint endpoint) {
    auto [ec] = co_await race->sockets[index].async_connect(endpoint, use_tuple);
    ++race->finished;
    if (!ec && !race->winner) {
        race->winner = index;
    } else if (ec && ec != asio::error::operation_aborted) {
        race->failures.push_back(describe(endpoint) + ": " + ec.message());
    }
    race->wake.cancel();
}

}  // namespace

asio::awaitable<Result<asio::ip::tcp::socket>> connect_any(
    std::vector<asio::ip::tcp::endpoint> endpoints, std::string label, Duration timeout,
    Duration stagger) {
    if (endpoints.empty()) co_return make_error(Errc::no_host, "no address for " + label);
    auto executor = co_await asio::this_coro::executor;
    auto race = std::make_shared<Race>(executor, endpoints.size());
    Deadline deadline(timeout);
    bool timed_out = false;
    while (!race->winner) {
        bool more = race->started < endpoints.size();
        if (!more && race->finished == race->started) break;  // every address failed
        if (deadline.passed()) {
            timed_out = true;
            break;
        }
        if (more) {
            std::size_t index = race->started++;
            asio::co_spawn(executor, attempt(race, index, endpoints[index]), asio::detached);
        }
        race->wake.expires_after(race->started < endpoints.size() ? deadline.left(stagger)
                                                                  : deadline.left());
        co_await race->wake.async_wait(use_tuple);
    }
    std::error_code ignored;
    for (std::size_t i = 0; i < race->sockets.size(); ++i)
        if (!race->winner || i != *race->winner) race->sockets[i].close(ignored);
    if (race->winner) {
        auto socket = std::move(race->sockets[*race->winner]);
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        co_return std::move(socket);
    }
    std::string detail;
    for (const auto& failure : race->failures) detail += (detail.empty() ? "" : "; ") + failure;
    if (endpoints.size() == 1 && race->failures.size() == 1)  // the address is in the label
        detail = detail.substr(describe(endpoints.front()).size() + 2);
    if (timed_out)
        co_return make_error(Errc::timeout, "connecting to " + label + " timed out" +
                                                (detail.empty() ? "" : " (" + detail + ")"));
    co_return make_error(Errc::unavailable, "cannot connect to " + label + ": " + detail);
}

asio::awaitable<Result<asio::ip::tcp::socket>> connect(HostPort where, Duration timeout) {
    auto executor = co_await asio::this_coro::executor;
    Deadline deadline(timeout);
    asio::ip::tcp::resolver resolver(executor);
    asio::steady_timer timer(executor);
    timer.expires_at(deadline.at());
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

    std::vector<asio::ip::tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    co_return co_await connect_any(interleave_families(endpoints),
                                   where.host + " port " + std::to_string(where.port),
                                   deadline.left());
}

}  // namespace odmr::net
