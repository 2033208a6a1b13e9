// The command line and the config file, through CLI11. Every config-file key
// is the long option of the same name (DESIGN.md rule 7). This only collects
// text; app/account turns it into a checked Account.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace odmr::app {

struct Options {
    std::vector<std::string> domains;
    std::string host;
    std::string user;
    std::string password_file;
    std::string tls = "starttls";
    std::string tls_ca_file;
    std::string tls_fingerprint;
    std::string tls_cert;
    std::string tls_key;
    std::string tls_min_version = "1.2";
    std::string channel_binding = "auto";
    std::string proxy;
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
    unsigned long long max_message_size = 200ULL * 1024 * 1024;
    unsigned max_recipients = 1000;
    unsigned max_line_length = 1 << 20;
    unsigned max_commands = 1000000;
    unsigned max_errors = 20;
    unsigned session_timeout = 3 * 3600;
    unsigned run_timeout = 4 * 3600;
    int verbose = 0;
    bool quiet = false;
};

// --help, --version or a usage error: print `text` and exit with `code`.
struct EarlyExit {
    int code = 0;
    std::string text;
};

std::variant<Options, EarlyExit> parse_options(int argc, const char* const* argv);

}  // namespace odmr::app
