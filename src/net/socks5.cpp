#include "net/socks5.h"

#include <asio/ip/address.hpp>

#include "util/hex.h"
#include "util/text.h"

namespace odmr::net {
namespace {

constexpr char version = 5;
constexpr char no_authentication = 0;
constexpr char user_password = 2;
constexpr unsigned char no_acceptable_method = 0xff;

Result<std::string> percent_decode(std::string_view text, std::string_view what) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        int byte = i + 2 < text.size() ? hex::byte_value(text.substr(i + 1, 2)) : -1;
        if (byte < 0)
            return make_error(Errc::usage, "--proxy: bad %-escape in the " + std::string(what));
        out += static_cast<char>(byte);
        i += 2;
    }
    return out;
}

Error proxy_error(Errc code, const std::string& what) {
    return make_error(code, "SOCKS5 proxy: " + what);
}

// Reads exactly `n` octets (no more: what follows belongs to the provider).
asio::awaitable<Result<std::string>> read_exact(Stream& stream, std::size_t n,
                                                const Deadline& deadline) {
    std::string out(n, '\0');
    std::size_t have = 0;
    while (have < n) {
        auto got = co_await stream.read_some(std::span(out).subspan(have), deadline.left());
        if (!got) co_return got.error();
        have += *got;
    }
    co_return out;
}

}  // namespace

Result<Socks5Proxy> parse_proxy_url(std::string_view url) {
    std::string_view rest;
    if (text::istarts_with(url, "socks5://"))
        rest = url.substr(9);
    else if (text::istarts_with(url, "socks5h://"))
        rest = url.substr(10);
    else
        return make_error(Errc::usage,
                          "--proxy must look like socks5://[USER:PASSWORD@]HOST[:PORT] "
                          "(SOCKS5 is the only kind of proxy supported)");
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    Socks5Proxy proxy;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        auto credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = credentials.find(':');
        auto user = percent_decode(credentials.substr(0, colon), "user name");
        if (!user) return user.error();
        auto password = percent_decode(
            colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1),
            "password");
        if (!password) return password.error();
        if (user->empty()) return make_error(Errc::usage, "--proxy: empty user name before '@'");
        if (user->size() > 255 || password->size() > 255)
            return make_error(Errc::usage,
                              "--proxy: SOCKS5 user names and passwords are at most "
                              "255 octets (RFC 1929)");
        proxy.user = std::move(*user);
        proxy.password = Secret(*password);
        wipe(*password);
    }
    auto server = parse_host_port(rest, socks_port);
    if (!server) return make_error(Errc::usage, "--proxy: " + server.error().message());
    proxy.server = std::move(*server);
    return proxy;
}

namespace socks5 {

std::string greeting(bool with_password) {
    if (with_password) return {version, 2, no_authentication, user_password};
    return {version, 1, no_authentication};
}

Result<std::string> password_request(const std::string& user, const Secret& password) {
    if (user.size() > 255 || password.size() > 255)
        return proxy_error(Errc::usage, "user name or password longer than 255 octets");
    std::string out{1, static_cast<char>(user.size())};
    out += user;
    out += static_cast<char>(password.size());
    password.with([&](std::string_view p) { out += p; });
    return out;
}

Result<std::string> connect_request(const HostPort& target) {
    std::string out{version, 1 /* CONNECT */, 0};
    std::error_code ec;
    auto address = asio::ip::make_address(target.host, ec);
    if (!ec && address.is_v4()) {
        out += '\x01';
        for (auto byte : address.to_v4().to_bytes()) out += static_cast<char>(byte);
    } else if (!ec && address.is_v6()) {
        out += '\x04';
        for (auto byte : address.to_v6().to_bytes()) out += static_cast<char>(byte);
    } else {
        if (target.host.empty() || target.host.size() > 255)
            return proxy_error(Errc::usage, "host name must be 1 to 255 octets: " + target.host);
        out += '\x03';
        out += static_cast<char>(target.host.size());
        out += target.host;
    }
    out += static_cast<char>(target.port >> 8);
    out += static_cast<char>(target.port & 0xff);
    return out;
}

Result<std::size_t> reply_remainder(std::string_view first_five) {
    if (first_five.size() != 5 || first_five[0] != version)
        return proxy_error(Errc::protocol, "the proxy does not speak SOCKS5 (bad reply)");
    switch (first_five[3]) {
        case 1:
            return std::size_t{4 - 1 + 2};
        case 4:
            return std::size_t{16 - 1 + 2};
        case 3:
            return static_cast<std::size_t>(static_cast<unsigned char>(first_five[4])) + 2;
        default:
            return proxy_error(Errc::protocol, "the proxy's reply has an unknown address type");
    }
}

Error reply_error(unsigned char code, const std::string& target) {
    std::string to = " (connecting to " + target + ")";
    switch (code) {
        case 1:
            return proxy_error(Errc::unavailable, "general SOCKS server failure" + to);
        case 2:
            return proxy_error(Errc::unavailable, "connection not allowed by its rules" + to);
        case 3:
            return proxy_error(Errc::unavailable, "network unreachable" + to);
        case 4:
            return proxy_error(Errc::unavailable,
                               "host unreachable (or its name does not resolve at the proxy)" + to);
        case 5:
            return proxy_error(Errc::unavailable, "connection refused by the provider" + to);
        case 6:
            return proxy_error(Errc::timeout,
                               "TTL expired (the provider did not answer in time)" + to);
        case 7:
            return proxy_error(Errc::unavailable, "CONNECT is not supported by the proxy" + to);
        case 8:
            return proxy_error(Errc::unavailable,
                               "address type not supported (the proxy may be unable to resolve "
                               "host names for us)" +
                                   to);
        default:
            return proxy_error(Errc::unavailable,
                               "failed with reply code " + std::to_string(code) + to);
    }
}

}  // namespace socks5

asio::awaitable<Status> socks5_connect(Stream& stream, const Socks5Proxy& proxy,
                                       const HostPort& target, Duration timeout) {
    Deadline deadline(timeout);
    bool with_password = !proxy.user.empty();
    auto hello = socks5::greeting(with_password);
    if (auto sent = co_await stream.write(hello, deadline.left()); !sent) co_return sent.error();
    auto method = co_await read_exact(stream, 2, deadline);
    if (!method) co_return method.error();
    if ((*method)[0] != version)
        co_return proxy_error(Errc::protocol,
                              "the proxy does not speak SOCKS5 (bad greeting reply)");
    auto chosen = static_cast<unsigned char>((*method)[1]);
    if (chosen == no_acceptable_method || (chosen == user_password && !with_password) ||
        (chosen != no_authentication && chosen != user_password))
        co_return proxy_error(Errc::auth_unavailable,
                              with_password
                                  ? "the proxy accepts none of our authentication methods"
                                  : "the proxy wants authentication; give a user name and "
                                    "password in --proxy");
    if (chosen == user_password) {
        auto request = socks5::password_request(proxy.user, proxy.password);
        if (!request) co_return request.error();
        auto sent = co_await stream.write(*request, deadline.left());
        wipe(*request);
        if (!sent) co_return sent.error();
        auto status = co_await read_exact(stream, 2, deadline);
        if (!status) co_return status.error();
        if ((*status)[1] != 0)
            co_return proxy_error(Errc::auth_rejected,
                                  "the proxy refused the user name and password");
    }
    std::string label = target.host + " port " + std::to_string(target.port);
    auto request = socks5::connect_request(target);
    if (!request) co_return request.error();
    if (auto sent = co_await stream.write(*request, deadline.left()); !sent) co_return sent.error();
    auto head = co_await read_exact(stream, 5, deadline);
    if (!head) co_return head.error();
    if ((*head)[0] == version && (*head)[1] != 0)
        co_return socks5::reply_error(static_cast<unsigned char>((*head)[1]), label);
    auto remainder = socks5::reply_remainder(*head);
    if (!remainder) co_return remainder.error();
    auto tail = co_await read_exact(stream, *remainder, deadline);
    if (!tail) co_return tail.error();
    co_return Status{};
}

}  // namespace odmr::net
