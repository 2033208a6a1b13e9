// Reaching the provider: "host[:port]" parsing, name resolution, and a TCP
// connection tried against every resolved address in turn.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/stream.h"
#include "util/result.h"

namespace odmr::net {

struct HostPort {
    std::string host;  // name or address literal, without brackets
    std::uint16_t port = 0;
};

// "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal.
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

// Tries each address of `where` (IPv6 and IPv4, in resolver order), each with
// `timeout`; the error of the last attempt is reported if none answers.
asio::awaitable<Result<asio::ip::tcp::socket>> connect(const HostPort& where, Duration timeout);

}  // namespace odmr::net
