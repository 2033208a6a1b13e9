// The way to the provider: straight there, or through a SOCKS5 proxy. Opens
// the byte stream that the ODMR conversation then runs on.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/connect.h"
#include "net/socks5.h"
#include "net/stream.h"
#include "util/result.h"

namespace odmr::net {

struct Route {
    HostPort provider;
    std::optional<Socks5Proxy> proxy;
};

// "odmr.example.net port 366" or "... via SOCKS5 proxy 127.0.0.1 port 9050".
std::string describe(const Route& route);

// Connects along `route`; the stream is plain TCP, positioned at the
// provider's first byte (TLS, if any, is the caller's). `timeout` bounds
// name resolution, the connection and the proxy's exchange, each.
asio::awaitable<Result<std::unique_ptr<Stream>>> open_stream(const Route& route,
                                                             asio::ssl::context& tls_context,
                                                             Duration timeout);

}  // namespace odmr::net
