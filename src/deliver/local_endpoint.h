// Where a local peer listens — an LMTP or SMTP server, or the MTA a session
// is handed to: "unix:/path" or "HOST:PORT" — and connecting to it.
#pragma once

#include <asio/awaitable.hpp>
#include <memory>
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

// A plain stream connected to `endpoint` (TCP or a UNIX-domain socket).
asio::awaitable<Result<std::unique_ptr<net::Stream>>> connect_local(const LocalEndpoint& endpoint,
                                                                    Duration timeout);

// Adopts a connected UNIX-domain stream socket (one end of a socketpair).
Result<net::LocalSocket> adopt_local_socket(const asio::any_io_executor& executor, int fd);

}  // namespace odmr::deliver
