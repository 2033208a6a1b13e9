#include "net/socks5_reply.h"

namespace odmr::net::socks5 {
namespace {

constexpr char version = 5;
constexpr unsigned char no_authentication = 0;
constexpr unsigned char user_password = 2;

}  // namespace

Error proxy_error(Errc code, const std::string& what) {
    return make_error(code, "SOCKS5 proxy: " + what);
}

Result<bool> method_reply(std::string_view reply, bool with_password) {
    if (reply.size() != 2 || reply[0] != version)
        return proxy_error(Errc::protocol, "the proxy does not speak SOCKS5 (bad greeting reply)");
    auto chosen = static_cast<unsigned char>(reply[1]);
    if (chosen == no_authentication) return false;
    if (chosen == user_password && with_password) return true;
    return proxy_error(Errc::auth_unavailable,
                       with_password ? "the proxy accepts none of our authentication methods"
                                     : "the proxy wants authentication; give a user name and "
                                       "password in --proxy");
}

Status password_reply(std::string_view reply) {
    if (reply.size() != 2 || reply[1] != 0)
        return proxy_error(Errc::auth_rejected, "the proxy refused the user name and password");
    return {};
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

Result<std::size_t> connect_reply(std::string_view first_five, const std::string& target) {
    if (first_five.size() == 5 && first_five[0] == version && first_five[1] != 0)
        return reply_error(static_cast<unsigned char>(first_five[1]), target);
    return reply_remainder(first_five);
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

}  // namespace odmr::net::socks5
