#include "app/account.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <optional>
#include <utility>

#include "app/command_line.h"
#include "app/credentials.h"
#include "app/duration.h"
#include "app/proxy_credentials.h"
#include "deliver/mda_sink.h"
#include "deliver/placeholders.h"
#include "sasl/mechanism.h"
#include "util/idn.h"
#include "util/regular_file.h"
#include "util/text.h"

namespace odmr::app {

std::string expand_home(const std::string& path) {
    if (path == "~" || path.starts_with("~/")) {
        const char* home = std::getenv("HOME");
        if (home != nullptr && *home != '\0') return std::string(home) + path.substr(1);
    }
    return path;
}

std::string local_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

namespace {

constexpr std::string_view delivery_kinds =
    "maildir:PATH, mda:COMMAND [ARGS...], mda:sendmail, lmtp:HOST:PORT, lmtp:unix:/PATH, "
    "smtp:HOST:PORT, "
    "smtp:unix:/PATH, handoff:tcp:HOST:PORT, handoff:unix:/PATH or handoff:exec:COMMAND [ARGS...]";

Result<std::vector<std::string>> parse_program(const std::string& text, bool placeholders) {
    auto argv = split_command(text);
    if (!argv) return make_error(Errc::usage, "--deliver: " + argv.error().detail);
    (*argv)[0] = expand_home((*argv)[0]);
    for (const auto& arg : *argv) {
        if (!placeholders) continue;
        if (auto checked =
                deliver::check_placeholders(arg, {"sender", "recipient", "local", "domain"});
            !checked)
            return make_error(Errc::usage, "--deliver: " + checked.error().detail);
    }
    return argv;
}

Result<DeliverySpec> parse_handoff(DeliverySpec spec) {
    const std::string& t = spec.target;
    if (t.starts_with("exec:")) {
        auto argv = parse_program(t.substr(5), false);
        if (!argv) return argv.error();
        spec.handoff.argv = std::move(*argv);
        return spec;
    }
    if (!t.starts_with("tcp:") && !t.starts_with("unix:"))
        return make_error(Errc::usage,
                          "--deliver handoff: needs tcp:HOST:PORT, unix:/PATH or exec:COMMAND");
    auto endpoint = deliver::parse_local_endpoint(t.starts_with("tcp:") ? t.substr(4) : t);
    if (!endpoint) return make_error(Errc::usage, "--deliver: " + endpoint.error().detail);
    spec.handoff.endpoint = std::move(*endpoint);
    return spec;
}

std::optional<DeliveryKind> parse_kind(std::string_view name) {
    static constexpr std::pair<std::string_view, DeliveryKind> kinds[] = {
        {"maildir", DeliveryKind::maildir}, {"mda", DeliveryKind::mda},
        {"lmtp", DeliveryKind::lmtp},       {"smtp", DeliveryKind::smtp},
        {"handoff", DeliveryKind::handoff},
    };
    for (const auto& [known, kind] : kinds)
        if (name == known) return kind;
    return std::nullopt;
}

}  // namespace

Result<DeliverySpec> parse_delivery(const std::string& text) {
    auto colon = text.find(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        return make_error(Errc::usage,
                          "--deliver needs KIND:TARGET, one of " + std::string(delivery_kinds));
    std::string name = text.substr(0, colon);
    auto kind = parse_kind(name);
    if (!kind)
        return make_error(Errc::usage, "unknown delivery kind \"" + name +
                                           "\" (known: " + std::string(delivery_kinds) + ")");
    DeliverySpec spec{*kind, text.substr(colon + 1), {}, {}, {}};
    if (spec.kind == DeliveryKind::maildir) {
        auto checked = deliver::check_placeholders(spec.target, {"recipient", "local", "domain"});
        if (!checked) return make_error(Errc::usage, "--deliver: " + checked.error().detail);
        spec.target = expand_home(spec.target);
        while (spec.target.size() > 1 && spec.target.ends_with('/')) spec.target.pop_back();
        return spec;
    }
    if (spec.kind == DeliveryKind::mda) {
        if (text::trim(spec.target) == "sendmail") {
            spec.argv = deliver::sendmail_argv();
            return spec;
        }
        auto argv = parse_program(spec.target, true);
        if (!argv) return argv.error();
        spec.argv = std::move(*argv);
        return spec;
    }
    if (spec.kind == DeliveryKind::lmtp || spec.kind == DeliveryKind::smtp) {
        auto endpoint = deliver::parse_local_endpoint(spec.target);
        if (!endpoint)
            return make_error(Errc::usage, "--deliver " + name + ": " + endpoint.error().detail);
        spec.endpoint = std::move(*endpoint);
        return spec;
    }
    return parse_handoff(std::move(spec));
}

namespace {

Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& given,
                                               bool required) {
    std::vector<std::string> out;
    for (const auto& item : given) {
        for (auto& domain : text::split(item, ',')) {
            if (domain.empty()) continue;
            bool valid = domain.size() <= 253 && domain.front() != '.' && domain.back() != '.';
            for (char c : domain) {
                auto u = static_cast<unsigned char>(c);
                valid = valid && (std::isalnum(u) || c == '-' || c == '.' || u >= 0x80);
            }
            if (!valid) return make_error(Errc::usage, "invalid domain \"" + domain + "\"");
            // Once, here: the server compares recipients' domains as A-labels.
            auto ascii = idn::to_ascii(domain);
            if (!ascii)
                return make_error(Errc::usage,
                                  "invalid domain \"" + domain + "\": " + ascii.error().detail);
            out.push_back(std::move(*ascii));
        }
    }
    if (out.empty() && required)
        return make_error(Errc::usage, "no DOMAIN given: name the domains to fetch mail for");
    return out;
}

// Our name goes into EHLO and into every Received: header we write: a line
// break in it would be a header (or command) of someone else's choosing.
Status check_helo_name(std::string_view name, bool from_system) {
    bool clean = !name.empty() && name.size() <= 255;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        clean = clean && u > 0x20 && u != 0x7f;
    }
    if (clean) return {};
    return make_error(Errc::usage, from_system ? "the system's host name is not usable as an EHLO "
                                                 "name; set one with --helo-name"
                                               : "--helo-name must be one word of printable "
                                                 "characters (no space, CR, LF or NUL)");
}

// A private key is a secret: ssh's rule (util/regular_file.h), refused.
Status check_key_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};  // the TLS layer reports a missing file
    return check_file_access(path, st, FileContent::secret);
}

// The TLS mode, what to trust, the client certificate.
Status resolve_tls(const Options& o, Account& account) {
    auto& c = account.customer;
    c.tls = o.tls == "implicit"            ? atrn::TlsMode::implicit
            : o.tls == "none"              ? atrn::TlsMode::none
            : o.tls == "starttls-optional" ? atrn::TlsMode::starttls_optional
                                           : atrn::TlsMode::starttls;
    auto pins = net::parse_pins(o.tls_fingerprint);
    if (!pins) return pins.error();
    c.tls_pins = std::move(*pins);
    auto version = net::parse_tls_version(o.tls_min_version);
    if (!version) return version.error();
    auto& policy = account.tls_policy;
    policy.min_version = *version;
    policy.ca_file = expand_home(o.tls_ca_file);
    if (!o.tls_key.empty() && o.tls_cert.empty())
        return make_error(Errc::usage, "--tls-key needs --tls-cert");
    policy.cert_file = expand_home(o.tls_cert);
    policy.key_file = expand_home(o.tls_key);
    policy.used = c.tls != atrn::TlsMode::none || o.serverinfo;
    if (!policy.cert_file.empty()) {
        auto key = check_key_file(policy.key_file.empty() ? policy.cert_file : policy.key_file);
        if (!key) return key.error();
    }
    c.client_certificate = !policy.cert_file.empty();
    auto binding = net::parse_binding_type(o.channel_binding);
    if (!binding) return binding.error();
    c.channel_binding = *binding;
    return {};
}

// The password from the first source that has it (app/credentials.h).
Status resolve_password(const Options& o, Account& account) {
    auto& credentials = account.customer.credentials;
    auto found = find_secret({"password", "--password-file", expand_home(o.password_file),
                              "--password-command", o.password_command, "password",
                              account.route.provider.host, o.user, true});
    if (!found) return found.error();
    if (!*found)
        return make_error(Errc::usage,
                          "no password for " + credentials.authcid +
                              ": --password-file or --password-command is required (or a "
                              "systemd credential, an entry in ~/.netrc, or a terminal to ask on)");
    keep_secrets_out_of_core_dumps();
    if (o.user.empty() && !(*found)->login.empty()) {
        credentials.authcid = (*found)->login;  // the netrc login fills --user
        credentials.authzid = (*found)->login;
    }
    account.password = std::make_unique<Secret>(std::move((*found)->secret));
    credentials.password = account.password.get();
    return {};
}

// The mechanisms allowed, and the password (not needed when only EXTERNAL,
// with a client certificate, can be used).
Status resolve_auth(const Options& o, Account& account) {
    auto& c = account.customer;
    for (auto& mechanism : text::split(o.auth, ',')) {
        mechanism = std::string(text::trim(mechanism));
        if (mechanism.empty()) continue;
        if (!sasl::is_supported(mechanism))
            return make_error(Errc::usage, "unsupported SASL mechanism \"" + mechanism + "\"");
        c.auth_preference.push_back(text::upper(mechanism));
    }
    bool asks_external = std::find(c.auth_preference.begin(), c.auth_preference.end(),
                                   "EXTERNAL") != c.auth_preference.end();
    if (asks_external && !c.client_certificate)
        return make_error(Errc::usage, "--auth EXTERNAL needs a client certificate (--tls-cert)");
    c.allow_plaintext_auth = o.allow_plaintext_auth;
    bool given = !o.password_file.empty() || !o.password_command.empty();
    if (!given) {
        bool external_only = c.auth_preference == std::vector<std::string>{"EXTERNAL"};
        if (c.auth_preference.empty() && c.client_certificate) {
            c.auth_preference = {"EXTERNAL"};  // no password: the certificate is all we have
            external_only = true;
        }
        if (external_only || account.serverinfo) return {};
    }
    return resolve_password(o, account);
}

}  // namespace

Result<Account> resolve_account(const Options& o) {
    Account account;
    account.serverinfo = o.serverinfo;
    auto domains = parse_domains(o.domains, !o.serverinfo);
    if (!domains) return domains.error();

    if (o.host.empty()) return make_error(Errc::usage, "--host is required");
    auto provider = net::parse_host_port(o.host, odmr_port);
    if (!provider) return provider.error();
    account.route.provider = std::move(*provider);
    if (auto proxy = resolve_proxy(o, account); !proxy) return proxy.error();

    auto delivery = parse_delivery(o.deliver);
    if (!delivery) return delivery.error();
    account.delivery = std::move(*delivery);

    if (auto tls = resolve_tls(o, account); !tls) return tls.error();
    account.customer.credentials.authcid = !o.user.empty()    ? o.user
                                           : domains->empty() ? std::string()
                                                              : domains->front();
    account.customer.credentials.authzid = o.user;
    if (auto auth = resolve_auth(o, account); !auth) return auth.error();
    account.connect_timeout = std::chrono::seconds(o.connect_timeout);
    account.mda_timeout = std::chrono::seconds(o.mda_timeout);
    account.maildir_existing_only = o.maildir_existing_only;
    account.run_timeout = std::chrono::seconds(o.run_timeout);
    auto retry_delay = parse_duration(o.run.retry_delay);  // per account: files may set it
    if (!retry_delay)
        return make_error(Errc::usage, "--retry-delay: " + retry_delay.error().detail);
    account.retry_delay = *retry_delay;
    account.max_sessions = o.max_sessions;

    std::string hostname = o.helo_name.empty() ? local_host_name() : o.helo_name;
    if (auto named = check_helo_name(hostname, o.helo_name.empty()); !named) return named.error();
    auto& c = account.customer;
    c.helo_name = hostname;
    c.server_name = account.route.provider.host;
    c.domains = *domains;
    c.command_timeout = std::chrono::seconds(o.timeout);
    c.atrn_timeout = std::chrono::seconds(o.atrn_timeout);

    auto& s = account.server;
    s.hostname = hostname;
    s.domains = *domains;
    s.max_message_size = o.max_message_size;
    s.command_timeout = std::chrono::seconds(o.timeout);
    s.data_timeout = std::chrono::seconds(o.timeout);
    s.session_timeout = std::chrono::seconds(o.session_timeout);
    s.max_recipients = o.max_recipients;
    s.stored = {o.max_stored_per_message, o.max_stored_per_session};
    // Maildir names are safe paths (deliver/safe_path); every other kind
    // hands the address to something that may route it (mail/address).
    s.refuse_routing_addresses =
        !o.allow_routing_addresses && account.delivery.kind != DeliveryKind::maildir;
    s.max_body_line = o.max_line_length;
    s.max_commands = o.max_commands;
    s.max_errors = o.max_errors;
    return account;
}

}  // namespace odmr::app
