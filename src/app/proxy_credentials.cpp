#include "app/proxy_credentials.h"

#include "app/credentials.h"

namespace odmr::app {

namespace {

constexpr std::size_t max_socks_field = 255;  // RFC 1929

Status fill_password(const Options& o, net::Socks5Proxy& proxy) {
    bool given = !o.proxy_password_file.empty() || !o.proxy_password_command.empty();
    SecretSources sources{"proxy password",
                          "--proxy-password-file",
                          expand_home(o.proxy_password_file),
                          "--proxy-password-command",
                          o.proxy_password_command,
                          "proxy-password",
                          proxy.server.host,
                          proxy.user,
                          !proxy.user.empty()};
    if (proxy.user.empty() && !given) {
        sources.credential.clear();  // without a user only ~/.netrc can name one
    }
    auto found = find_secret(sources);
    if (!found) return found.error();
    if (!*found) return {};
    if (proxy.user.empty()) proxy.user = (*found)->login;
    if (proxy.user.empty())
        return make_error(Errc::usage, "--proxy names no user for the password from " +
                                           (*found)->source + "; write socks5://USER@HOST[:PORT]");
    if (proxy.user.size() > max_socks_field || (*found)->secret.size() > max_socks_field)
        return make_error(Errc::usage,
                          "--proxy: SOCKS5 user names and passwords are at most 255 octets "
                          "(RFC 1929)");
    keep_secrets_out_of_core_dumps();
    proxy.password = std::move((*found)->secret);
    return {};
}

}  // namespace

Status resolve_proxy(const Options& o, Account& account) {
    bool given = !o.proxy_password_file.empty() || !o.proxy_password_command.empty();
    if (o.proxy.empty()) {
        if (given)
            return make_error(Errc::usage,
                              "--proxy-password-file and --proxy-password-command need --proxy");
        return {};
    }
    auto proxy = net::parse_proxy_url(o.proxy);
    if (!proxy) return proxy.error();
    if (!proxy->password.empty()) {
        if (given)
            return make_error(Errc::usage,
                              "--proxy holds a password and a proxy password "
                              "option is given too; choose one");
        keep_secrets_out_of_core_dumps();
        account.warnings.push_back(
            "the --proxy URL holds a password, which every local user can read in the process "
            "list when it is given on the command line; use --proxy-password-file, "
            "--proxy-password-command, a systemd credential or ~/.netrc instead");
    } else if (auto filled = fill_password(o, *proxy); !filled) {
        return filled.error();
    }
    account.route.proxy = std::move(*proxy);
    return {};
}

}  // namespace odmr::app
