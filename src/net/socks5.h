// Reaching the provider through a SOCKS5 proxy (RFC 1928), such as Tor or
// "ssh -D", optionally with a user name and password (RFC 1929). The
// provider's host name goes to the proxy as a name and is resolved there
// ("socks5h" semantics), so no DNS query leaks and .onion names work. Each
// reply code of the proxy becomes an error that says what it means.
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "net/connect.h"
#include "net/socks5_reply.h"
#include "net/stream.h"
#include "util/result.h"
#include "util/secret.h"

namespace odmr::net {

struct Socks5Proxy {
    HostPort server;
    std::string user;  // empty: no authentication offered
    Secret password;
};

inline constexpr std::uint16_t socks_port = 1080;

// "socks5://[USER:PASSWORD@]HOST[:PORT]" ("socks5h://" is the same here);
// USER and PASSWORD may be percent-encoded. The port is 1080 unless given.
Result<Socks5Proxy> parse_proxy_url(std::string_view url);

// The requests, built on their own so that they can be tested (the replies
// are read in net/socks5_reply.h).
namespace socks5 {
std::string greeting(bool with_password);
Result<std::string> password_request(const std::string& user, const Secret& password);
Result<std::string> connect_request(const HostPort& target);
}  // namespace socks5

// Asks the proxy at the other end of `stream` (plain TCP, freshly connected)
// to connect to `target`. Reads exactly the proxy's replies, nothing of
// what the target sends after them. `timeout` bounds the whole exchange.
asio::awaitable<Status> socks5_connect(Stream& stream, const Socks5Proxy& proxy,
                                       const HostPort& target, Duration timeout);

}  // namespace odmr::net
