// Where a local peer listens — an LMTP or SMTP server, or the MTA a session
// is handed to: "unix:/path" or "HOST:PORT" — and connecting to it.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "net/connect.h"
#include "net/stream.h"
#include "util/result.h"

namespace odmr::deliver {

struct LocalEndpoint {
    std::string unix_path;  // set for "unix:/path"
    net::HostPort tcp;      // otherwise

    std::string describe() const;  // "unix:/path" or "host port N"
};

// "unix:/absolute/path" or "HOST:PORT" (the port is required).
Result<LocalEndpoint> parse_local_endpoint(std::string_view text);

// A connected socket to `endpoint`. net::Stream carries a tcp::socket; a
// connected UNIX-domain socket reads and writes the same way, so it is
// carried in one too (its remote_address() is then empty).
asio::awaitable<Result<asio::ip::tcp::socket>> connect_local(const LocalEndpoint& endpoint,
                                                             Duration timeout);

// Adopts a connected stream socket of any family (a UNIX socket, one end of
// a socketpair) as a tcp::socket for net::Stream.
Result<asio::ip::tcp::socket> adopt_stream_socket(const asio::any_io_executor& executor, int fd);

}  // namespace odmr::deliver
