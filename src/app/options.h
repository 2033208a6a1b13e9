// The command line and the config file, through CLI11. Every config-file key
// is the long option of the same name (DESIGN.md rule 7). This only collects
// text; app/account turns it into a checked Account.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "app/config_file.h"
#include "app/run_options.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace odmr::app {

struct Options {
    std::vector<std::string> domains;  // on the command line: the NAMEs (accounts or domains)
    std::string host;
    std::string user;
    std::string password_file;
    std::string password_command;
    std::string tls = "starttls";
    std::string tls_ca_file;
    std::string tls_fingerprint;
    std::string tls_cert;
    std::string tls_key;
    std::string tls_min_version = "1.2";
    std::string channel_binding = "auto";
    std::string proxy;
    std::string proxy_password_file;
    std::string proxy_password_command;
    bool serverinfo = false;
    std::string deliver = "maildir:~/Maildir";
    std::string helo_name;
    std::string auth;
    bool allow_plaintext_auth = false;
    unsigned max_sessions = 100;
    unsigned connect_timeout = 30;
    unsigned timeout = 300;
    unsigned atrn_timeout = 600;
    unsigned mda_timeout = 300;
    bool maildir_existing_only = false;
    unsigned long long max_message_size = 200ULL * 1024 * 1024;
    unsigned max_recipients = 1000;
    unsigned long long max_stored_per_message = 1ULL << 30;  // size x copies
    unsigned long long max_stored_per_session = 10ULL << 30;
    bool allow_routing_addresses = false;
    unsigned max_line_length = 1 << 20;
    unsigned max_commands = 1000000;
    unsigned max_errors = 20;
    unsigned session_timeout = 3 * 3600;
    unsigned run_timeout = 4 * 3600;
    int verbose = 0;
    bool quiet = false;

    // Command line only, not keys of a file:
    std::string config;         // --config FILE
    bool all = false;           // --all: every account file
    bool print_config = false;  // --print-config
    // The options given on the command line, as given (without the NAMEs and
    // the three above): laid over the files by app/account_files.
    std::vector<Setting> command_line;

    RunOptions run;  // how the accounts run (app/run_options.h)
};

// --help, --version or a usage error: print `text` and exit with `code`.
struct EarlyExit {
    int code = 0;
    std::string text;
};

// CLI11's table of every option, built once (it is most of the start-up's
// own CPU: each add_option compares its names with all earlier ones) and
// used for the command line, every layer of every account and the defaults.
// The table is bound to a spare Options of its own; apply() moves the
// caller's options in and out, so nothing carries over between calls.
class OptionTable {
  public:
    OptionTable();
    ~OptionTable();
    OptionTable(const OptionTable&) = delete;
    OptionTable& operator=(const OptionTable&) = delete;

    // The command line, as parse_options.
    std::variant<Options, EarlyExit> parse(int argc, const char* const* argv);
    // As apply_settings.
    Status apply(Options& options, const std::vector<Setting>& settings);
    // As default_settings (computed once).
    const std::vector<Setting>& defaults();

  private:
    Options bound_;  // what CLI11 writes into
    std::unique_ptr<CLI::App> app_;
    std::vector<Setting> defaults_;
};

// Each of these builds a table of its own (OptionTable to share one).
std::variant<Options, EarlyExit> parse_options(int argc, const char* const* argv);

// Lays `settings` over `options` in order, each checked exactly as the same
// option on the command line; later settings win. A key that is no option
// (or is help, version, config, all or print-config) is an error. Setting
// one of --password-file/--password-command (or of the proxy pair) drops
// the other when it came from elsewhere; both from one place is an error.
// Errors name the setting's origin and are Errc::config for a file.
Status apply_settings(Options& options, const std::vector<Setting>& settings);

// Every key with its default value (origin "default"), in --help's order.
std::vector<Setting> default_settings();

}  // namespace odmr::app
