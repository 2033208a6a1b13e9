#include "app/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <memory>
#include <sstream>

#include "app/exit_code.h"
#include "app/option_secrets.h"
#include "app/version.h"
#include "util/text.h"

namespace odmr::app {

namespace {

// Options of the command line that are not keys of a file.
constexpr std::array<std::string_view, 5> not_keys{"help", "version", "config", "all",
                                                   "print-config"};

bool is_key(std::string_view name) {
    return std::find(not_keys.begin(), not_keys.end(), name) == not_keys.end();
}

void add_account_options(CLI::App& app, Options& o) {
    app.add_option("--config", o.config,
                   "Read options from FILE (key = value, keys are long option names)")
        ->type_name("FILE");
    app.add_flag("--all", o.all,
                 "Fetch for every account file (~/.config/odmr-fetch/*.conf; as root "
                 "/etc/odmr-fetch/*.conf)");
    app.add_flag("--print-config", o.print_config,
                 "Print the effective options of each NAME and where each came from, and exit");
}

std::unique_ptr<CLI::App> make_app(Options& o) {
    auto owned = std::make_unique<CLI::App>(
        "odmr-fetch - fetch queued mail from an ODMR provider (RFC 2645) and deliver it "
        "locally",
        "odmr-fetch");
    CLI::App& app = *owned;
    app.option_defaults()->always_capture_default();
    app.get_formatter()->column_width(34);
    app.set_version_flag("--version", version_text);
    add_account_options(app, o);

    app.add_option("domains", o.domains,
                   "Accounts (NAME.conf, see FILES in the man page) or domains to fetch mail "
                   "for (sent with ATRN)")
        ->type_name("NAME|DOMAIN...")
        ->default_str("");
    app.add_option("--host", o.host, "Provider to connect to; port 366 unless given")
        ->type_name("HOST[:PORT]");
    app.add_option("--user", o.user, "SASL user name (default: the first DOMAIN)")
        ->type_name("NAME");
    app.add_option("--password-file", o.password_file,
                   "Read the password from the first line of FILE")
        ->type_name("FILE");
    app.add_option("--password-command", o.password_command,
                   "Run COMMAND (no shell) and use the first line it prints as the password")
        ->type_name("COMMAND");
    app.add_option("--tls", o.tls,
                   "starttls (required), starttls-optional (if offered), implicit (from the "
                   "first byte) or none")
        ->type_name("MODE")
        ->check(
            CLI::IsMember({"starttls", "starttls-optional", "implicit", "none"}).description(""));
    app.add_option("--tls-ca-file", o.tls_ca_file,
                   "Trust the CA certificates in FILE instead of the system store")
        ->type_name("FILE");
    app.add_option("--tls-fingerprint", o.tls_fingerprint,
                   "Trust only a certificate (or public key) with this SHA-256 fingerprint")
        ->type_name("sha256:HEX[,...]");
    app.add_option("--tls-cert", o.tls_cert,
                   "Client certificate to present (PEM), e.g. for EXTERNAL")
        ->type_name("FILE");
    app.add_option("--tls-key", o.tls_key, "Private key of --tls-cert (PEM; default: in that file)")
        ->type_name("FILE");
    app.add_option("--tls-min-version", o.tls_min_version,
                   "Oldest TLS version accepted: 1.2 or 1.3")
        ->type_name("VERSION")
        ->check(CLI::IsMember({"1.2", "1.3"}).description(""));
    app.add_option("--channel-binding", o.channel_binding,
                   "For SCRAM-*-PLUS: auto, tls-exporter, tls-unique or tls-server-end-point")
        ->type_name("TYPE")
        ->check(CLI::IsMember({"auto", "tls-exporter", "tls-unique", "tls-server-end-point"})
                    .description(""));
    app.add_option("--proxy", o.proxy,
                   "Connect through a SOCKS5 proxy (the proxy resolves the provider's name)")
        ->type_name("socks5://[USER:PASS@]HOST[:PORT]");
    app.add_option("--proxy-password-file", o.proxy_password_file,
                   "Read the SOCKS5 proxy's password from the first line of FILE")
        ->type_name("FILE");
    app.add_option("--proxy-password-command", o.proxy_password_command,
                   "Run COMMAND (no shell) for the SOCKS5 proxy's password")
        ->type_name("COMMAND");
    app.add_flag("--serverinfo", o.serverinfo,
                 "Show what the provider offers (TLS, certificate, AUTH, ATRN, SIZE) and exit");
    app.add_option("--deliver", o.deliver,
                   "Where to deliver: maildir:PATH, mda:COMMAND, mda:sendmail, lmtp:ENDPOINT, "
                   "smtp:ENDPOINT, handoff:ENDPOINT or handoff:exec:COMMAND (see the man page)")
        ->type_name("KIND:TARGET");
    app.add_option("--helo-name", o.helo_name, "Name to announce with EHLO (default: host name)")
        ->type_name("NAME");
    app.add_option("--auth", o.auth,
                   "Allowed SASL mechanisms in order of preference (default: strongest offered)")
        ->type_name("MECH[,MECH...]");
    app.add_flag("--allow-plaintext-auth", o.allow_plaintext_auth,
                 "Allow PLAIN, LOGIN, XOAUTH2, OAUTHBEARER without TLS (password in clear text)");
    app.add_option("--max-sessions", o.max_sessions,
                   "Reconnect and send ATRN again at most N times while mail keeps coming")
        ->type_name("N")
        ->check(CLI::Range(1u, 100000u).description(""));
    app.add_option("--connect-timeout", o.connect_timeout,
                   "Seconds to reach the provider (all its addresses; and the proxy)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1u, 3600u).description(""));
    app.add_option("--timeout", o.timeout, "Seconds to wait for any reply, command or data")
        ->type_name("SECONDS")
        ->check(CLI::Range(1u, 86400u).description(""));
    app.add_option("--atrn-timeout", o.atrn_timeout, "Seconds to wait for the reply to ATRN")
        ->type_name("SECONDS")
        ->check(CLI::Range(1u, 86400u).description(""));
    app.add_option("--mda-timeout", o.mda_timeout,
                   "Seconds a delivery program (mda:) may run before it is killed (4xx)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1u, 86400u).description(""));
    app.add_flag("--maildir-existing-only", o.maildir_existing_only,
                 "maildir: deliver only to Maildirs that exist; refuse other recipients (550)");
    app.add_option("--max-message-size", o.max_message_size,
                   "Largest message accepted, in octets (advertised with SIZE)")
        ->type_name("OCTETS")
        ->check(CLI::Range(1024ULL, 1ULL << 40).description(""));
    app.add_option("--max-recipients", o.max_recipients,
                   "Recipients accepted per message; more get 452 and come in another transaction")
        ->type_name("N")
        ->check(CLI::Range(1u, 100000u).description(""));
    app.add_option("--max-stored-per-message", o.max_stored_per_message,
                   "Octets one message may take stored: its size times its separate copies "
                   "(routed Maildirs, per-recipient MDA runs); more recipients get 452")
        ->type_name("OCTETS")
        ->check(CLI::Range(1ULL << 20, 1ULL << 50).description(""));
    app.add_option("--max-stored-per-session", o.max_stored_per_session,
                   "Octets stored per session, copies counted; later recipients get 452 and "
                   "come in the next session")
        ->type_name("OCTETS")
        ->check(CLI::Range(1ULL << 20, 1ULL << 50).description(""));
    app.add_flag("--allow-routing-addresses", o.allow_routing_addresses,
                 "mda:, lmtp:, smtp:, handoff: accept local parts with '%', '!' or '@' "
                 "(refused with 550 by default)");
    app.add_option(
           "--max-line-length", o.max_line_length,
           "Longest message line accepted, in octets (a longer one refuses the message with 552)")
        ->type_name("OCTETS")
        ->check(CLI::Range(998u, 1u << 30).description(""));
    app.add_option("--max-commands", o.max_commands,
                   "Commands accepted from the provider per session")
        ->type_name("N")
        ->check(CLI::Range(100u, 100000000u).description(""));
    app.add_option("--max-errors", o.max_errors,
                   "Erroneous commands tolerated before hanging up (421)")
        ->type_name("N")
        ->check(CLI::Range(1u, 10000u).description(""));
    app.add_option("--session-timeout", o.session_timeout,
                   "Seconds one reversed session (the provider delivering) may last")
        ->type_name("SECONDS")
        ->check(CLI::Range(60u, 7u * 86400u).description(""));
    app.add_option("--run-timeout", o.run_timeout,
                   "Seconds the whole run may last, all sessions together (a message already "
                   "being stored is still acknowledged)")
        ->type_name("SECONDS")
        ->check(CLI::Range(10u, 30u * 86400u).description(""));
    app.add_flag("-v,--verbose", o.verbose,
                 "More output; twice: protocol transcript (secrets redacted)");
    app.add_flag("-q,--quiet", o.quiet, "Only errors and warnings");
    add_run_options(app, o.run);
    app.footer("\n" + exit_code_table());
    return owned;
}

// What the command line gave, to be laid over the files.
std::vector<Setting> given_options(const CLI::App& app, const Options& o) {
    std::vector<Setting> given;
    for (const CLI::Option* option : app.get_options()) {
        if (option->count() == 0 || option->get_positional() || option->get_lnames().empty())
            continue;
        const std::string& name = option->get_lnames().front();
        if (!is_key(name)) continue;
        std::vector<std::string> values = option->results();
        if (name == "verbose") values = {std::to_string(o.verbose)};  // -vv: 2, not [true, true]
        given.push_back({name, std::move(values), "command line"});
    }
    return given;
}

}  // namespace

OptionTable::OptionTable() : app_(make_app(bound_)) {}

OptionTable::~OptionTable() = default;

std::variant<Options, EarlyExit> OptionTable::parse(int argc, const char* const* argv) {
    bound_ = Options{};
    try {
        app_->parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return EarlyExit{0, app_->help()};
    } catch (const CLI::CallForVersion&) {
        return EarlyExit{0, version_text() + "\n"};
    } catch (const CLI::ParseError& e) {
        return EarlyExit{exit_usage,
                         std::string("odmr-fetch: ") + e.what() + "\nTry 'odmr-fetch --help'.\n"};
    }
    bound_.command_line = given_options(*app_, bound_);
    return std::move(bound_);
}

std::variant<Options, EarlyExit> parse_options(int argc, const char* const* argv) {
    return OptionTable().parse(argc, argv);
}

namespace {

std::string source_of(const std::string& origin) {
    auto colon = origin.rfind(':');
    return colon == std::string::npos ? origin : origin.substr(0, colon);
}

// --password-file and --password-command name one thing: a later place
// that sets one drops the other; one place that sets both is an error.
Status settle_alternatives(Options& o, const Setting& setting,
                           std::vector<std::pair<std::string, std::string>>& sources) {
    static constexpr std::array<std::array<std::string_view, 2>, 2> pairs{
        {{"password-file", "password-command"}, {"proxy-password-file", "proxy-password-command"}}};
    for (const auto& pair : pairs) {
        if (setting.key != pair[0] && setting.key != pair[1]) continue;
        std::string_view other = setting.key == pair[0] ? pair[1] : pair[0];
        for (const auto& [key, source] : sources) {
            if (key == other && source == source_of(setting.origin))
                return make_error(Errc::usage, setting.origin + ": --" + setting.key + " and --" +
                                                   std::string(other) +
                                                   " cannot both be given; choose one");
        }
        sources.emplace_back(setting.key, source_of(setting.origin));
        std::string& dropped = other == "password-file"         ? o.password_file
                               : other == "password-command"    ? o.password_command
                               : other == "proxy-password-file" ? o.proxy_password_file
                                                                : o.proxy_password_command;
        dropped.clear();
    }
    return {};
}

Status apply_one(CLI::App& app, Options& o, const Setting& setting) {
    if (setting.key == "domains") {
        o.domains.clear();
        for (const auto& value : setting.values)
            for (auto& word : text::split_words(value)) o.domains.push_back(std::move(word));
        return {};
    }
    CLI::Option* option = app.get_option_no_throw("--" + setting.key);
    if (option == nullptr || !is_key(setting.key))
        return make_error(Errc::usage, setting.origin + ": unknown key \"" + setting.key +
                                           "\" (keys are the long options of odmr-fetch --help)");
    std::vector<std::string> reversed;
    for (const auto& value : setting.values) reversed.push_back("--" + setting.key + "=" + value);
    std::reverse(reversed.begin(), reversed.end());
    try {
        app.parse(std::move(reversed));
    } catch (const CLI::Error& e) {
        std::string why = e.what();
        for (const auto& value : setting.values) {
            if (!holds_secret(setting.key, value)) continue;
            for (auto at = why.find(value); at != std::string::npos; at = why.find(value))
                why.replace(at, value.size(), hide_secret(setting.key, value));
        }
        return make_error(Errc::usage, setting.origin + ": " + why);  // CLI11 names --key
    }
    return {};
}

// Moves the caller's options into the table's bound ones and back out,
// whatever happens in between.
class Lend {
  public:
    Lend(Options& bound, Options& lent) : bound_(bound), lent_(lent) { std::swap(bound_, lent_); }
    ~Lend() { std::swap(bound_, lent_); }
    Lend(const Lend&) = delete;
    Lend& operator=(const Lend&) = delete;

  private:
    Options& bound_;
    Options& lent_;
};

}  // namespace

Status OptionTable::apply(Options& options, const std::vector<Setting>& settings) {
    Lend lend(bound_, options);
    std::vector<std::pair<std::string, std::string>> sources;
    for (const auto& setting : settings) {
        Status applied = settle_alternatives(bound_, setting, sources);
        if (applied) applied = apply_one(*app_, bound_, setting);
        if (!applied) {
            bool from_file = setting.origin != "command line";
            return make_error(from_file ? Errc::config : Errc::usage, applied.error().detail);
        }
    }
    return {};
}

const std::vector<Setting>& OptionTable::defaults() {
    if (!defaults_.empty()) return defaults_;
    for (const CLI::Option* option : app_->get_options()) {
        std::string name = option->get_positional()       ? "domains"
                           : option->get_lnames().empty() ? std::string()
                                                          : option->get_lnames().front();
        if (name.empty() || !is_key(name)) continue;
        std::string value = option->get_default_str();
        if (option->get_expected_min() == 0 && value.empty())
            value = name == "verbose" ? "0" : "false";
        defaults_.push_back({name, {value}, "default"});
    }
    return defaults_;
}

Status apply_settings(Options& o, const std::vector<Setting>& settings) {
    return OptionTable().apply(o, settings);
}

std::vector<Setting> default_settings() {
    return OptionTable().defaults();
}

}  // namespace odmr::app
