#include "app/options.h"

#include <CLI/CLI.hpp>
#include <sstream>

#include "app/exit_code.h"
#include "app/version.h"

namespace odmr::app {

std::variant<Options, EarlyExit> parse_options(int argc, const char* const* argv) {
    Options o;
    CLI::App app{
        "odmr-fetch - fetch queued mail from an ODMR provider (RFC 2645) and deliver it "
        "locally",
        "odmr-fetch"};
    app.option_defaults()->always_capture_default();
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.get_formatter()->column_width(34);
    app.set_version_flag("--version", version_text);
    app.set_config("--config", "",
                   "Read options from FILE (key = value, keys are long option names)")
        ->type_name("FILE");

    app.add_option("domains", o.domains, "Domains to fetch mail for (sent with ATRN)")
        ->type_name("DOMAIN...")
        ->default_str("");
    app.add_option("--host", o.host, "Provider to connect to; port 366 unless given")
        ->type_name("HOST[:PORT]");
    app.add_option("--user", o.user, "SASL user name (default: the first DOMAIN)")
        ->type_name("NAME");
    app.add_option("--password-file", o.password_file,
                   "Read the password from the first line of FILE")
        ->type_name("FILE");
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
    app.add_option("--max-message-size", o.max_message_size,
                   "Largest message accepted, in octets (advertised with SIZE)")
        ->type_name("OCTETS")
        ->check(CLI::Range(1024ULL, 1ULL << 40).description(""));
    app.add_option("--max-recipients", o.max_recipients,
                   "Recipients accepted per message; more get 452 and come in another transaction")
        ->type_name("N")
        ->check(CLI::Range(1u, 100000u).description(""));
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
    app.add_flag("-v,--verbose", o.verbose,
                 "More output; twice: protocol transcript (secrets redacted)");
    app.add_flag("-q,--quiet", o.quiet, "Only errors and warnings");
    app.footer("\n" + exit_code_table());

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return EarlyExit{0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return EarlyExit{0, version_text() + "\n"};
    } catch (const CLI::ParseError& e) {
        bool config = dynamic_cast<const CLI::ConfigError*>(&e) != nullptr ||
                      dynamic_cast<const CLI::FileError*>(&e) != nullptr;
        return EarlyExit{config ? exit_config : exit_usage,
                         std::string("odmr-fetch: ") + e.what() + "\nTry 'odmr-fetch --help'.\n"};
    }
    return o;
}

}  // namespace odmr::app
