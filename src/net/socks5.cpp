#include "net/socks5.h"

#include <asio/ip/address.hpp>

#include "util/hex.h"
#include "util/text.h"

namespace odmr::net {
namespace {

constexpr char version = 5;
constexpr char no_authentication = 0;
constexpr char user_password = 2;

using socks5::proxy_error;

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

}  // namespace socks5

asio::awaitable<Status> socks5_connect(Stream& stream, const Socks5Proxy& proxy,
                                       const HostPort& target, Duration timeout) {
    Deadline deadline(timeout);
    bool with_password = !proxy.user.empty();
    auto hello = socks5::greeting(with_password);
    if (auto sent = co_await stream.write(hello, deadline.left()); !sent) co_return sent.error();
    auto method = co_await read_exact(stream, 2, deadline);
    if (!method) co_return method.error();
    auto password_chosen = socks5::method_reply(*method, with_password);
    if (!password_chosen) co_return password_chosen.error();
    if (*password_chosen) {
        auto request = socks5::password_request(proxy.user, proxy.password);
        if (!request) co_return request.error();
        auto sent = co_await stream.write(*request, deadline.left());
        wipe(*request);
        if (!sent) co_return sent.error();
        auto status = co_await read_exact(stream, 2, deadline);
        if (!status) co_return status.error();
        if (auto accepted = socks5::password_reply(*status); !accepted) co_return accepted;
    }
    std::string label = target.host + " port " + std::to_string(target.port);
    auto request = socks5::connect_request(target);
    if (!request) co_return request.error();
    if (auto sent = co_await stream.write(*request, deadline.left()); !sent) co_return sent.error();
    auto head = co_await read_exact(stream, 5, deadline);
    if (!head) co_return head.error();
    auto remainder = socks5::connect_reply(*head, label);
    if (!remainder) co_return remainder.error();
    auto tail = co_await read_exact(stream, *remainder, deadline);
    if (!tail) co_return tail.error();
    co_return Status{};
}

}  // namespace odmr::net
