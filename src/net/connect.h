// Reaching a host: "host[:port]" parsing, name resolution, and a TCP
// connection raced across every resolved address, IPv6 and IPv4, "happy
// eyeballs" style (RFC 8305): families interleaved, a new attempt started
// every 250 ms while earlier ones are still pending or at once when one
// fails, the first to connect wins and the others are abandoned.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/stream.h"
#include "util/result.h"

namespace odmr::net {

struct HostPort {
    std::string host;  // name or address literal, without brackets
    std::uint16_t port = 0;
};

// "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal.
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

// Resolves `where` and races its addresses; `timeout` bounds the whole
// (resolution included). If none connects, the error names every attempt.
// `where` is taken by value: a coroutine must not keep a reference to a
// temporary past its first suspension.
asio::awaitable<Result<asio::ip::tcp::socket>> connect(HostPort where, Duration timeout);

// The race itself, over addresses already resolved (in the order given).
// `label` names the target in errors.
asio::awaitable<Result<asio::ip::tcp::socket>> connect_any(
    std::vector<asio::ip::tcp::endpoint> endpoints, std::string label, Duration timeout,
    Duration stagger = std::chrono::milliseconds(250));

// RFC 8305 §4: alternate the address families, starting with the first
// address's family, keeping the resolver's order within each family.
std::vector<asio::ip::tcp::endpoint> interleave_families(
    const std::vector<asio::ip::tcp::endpoint>& endpoints);

}  // namespace odmr::net
