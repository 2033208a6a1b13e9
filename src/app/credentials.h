// Where the account's password (and the SOCKS5 proxy's) comes from. The
// sources are tried in this order, and the first that has it wins:
//   1. --password-file FILE        (ssh's rule on FILE: chmod 600)
//   2. --password-command COMMAND  (app/secret_command.h)
//   3. $CREDENTIALS_DIRECTORY/password, systemd's LoadCredential=
//   4. ~/.netrc, "machine HOST" (its login fills --user when not given)
//   5. a prompt without echo, only when standard input is a terminal.
// (1) and (2) exclude each other (app/options.h). For the proxy the same,
// with --proxy-password-file, --proxy-password-command, the credential
// "proxy-password", and the proxy's host in ~/.netrc.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"
#include "util/secret.h"

namespace odmr::app {

struct SecretSources {
    std::string what;            // "password" or "proxy password", for messages
    std::string file_option;     // "--password-file"
    std::string file;            // its value, "~" expanded; empty when not given
    std::string command_option;  // "--password-command"
    std::string command;
    std::string credential;  // file name under $CREDENTIALS_DIRECTORY
    std::string machine;     // host name looked up in ~/.netrc
    std::string login;       // user name wanted; empty: whichever netrc names
    bool may_prompt = false;
};

struct FoundSecret {
    Secret secret;
    std::string login;   // from ~/.netrc when it names one
    std::string source;  // for the log: "--password-file /path", "~/.netrc", ...
};

// nullopt when no source has the secret; an error (Errc::config) when a
// source that is given fails, or when ~/.netrc holds it but others may read.
Result<std::optional<FoundSecret>> find_secret(const SecretSources& sources);

// Once a secret is in memory: no core dump of this process, and no other
// process of the same user may ptrace it (prctl PR_SET_DUMPABLE 0).
void keep_secrets_out_of_core_dumps();

}  // namespace odmr::app
