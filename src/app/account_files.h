// Accounts: `odmr-fetch NAME` reads NAME.conf from the first of
//   $XDG_CONFIG_HOME/odmr-fetch/ (default ~/.config/odmr-fetch/)
//   /etc/odmr-fetch/
// that has it, after defaults.conf in the same directory if there is one.
// Layers, later ones winning: defaults.conf < NAME.conf < --config FILE <
// the command line; `domains` defaults to NAME. A NAME without a file is a
// domain, and all such NAMEs form one account, as they always did.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/account.h"
#include "app/config_file.h"
#include "app/options.h"
#include "util/result.h"

namespace odmr::app {

inline constexpr const char* system_account_dir = "/etc/odmr-fetch";

// $XDG_CONFIG_HOME/odmr-fetch, or ~/.config/odmr-fetch.
std::string user_account_dir();

// Where --all looks: the user's directory; as root (without XDG_CONFIG_HOME
// set) /etc/odmr-fetch.
std::string all_accounts_dir();

// NAME.conf in the search order, or nothing (NAME is then a domain).
std::optional<std::string> find_account_file(const std::string& name);

// The account names (NAME of each NAME.conf but defaults.conf), sorted.
Result<std::vector<std::string>> list_account_names(const std::string& directory);

// One account's options, and for each key its value and where it came from.
struct LayeredOptions {
    std::string name;                // the account name, or the first domain
    std::string file;                // NAME.conf, empty for the command-line form
    Options options;                 // the effective options
    std::vector<Setting> effective;  // every key: value and origin
};

// Each of these with a table of its own, or with the caller's (built once).
Result<std::vector<LayeredOptions>> layer_accounts(const Options& command_line);
Result<std::vector<LayeredOptions>> layer_accounts(const Options& command_line, OptionTable& table);

// Every account of the command line (NAMEs, or --all), resolved and checked
// before anything is sent. An error caused by a value from a file names
// the file and line, and is Errc::config.
Result<std::vector<Account>> resolve_accounts(const Options& command_line);
Result<std::vector<Account>> resolve_accounts(const Options& command_line, OptionTable& table);

}  // namespace odmr::app
