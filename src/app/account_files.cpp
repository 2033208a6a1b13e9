#include "app/account_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>

#include "util/text.h"

namespace odmr::app {

namespace {

constexpr std::string_view suffix = ".conf";

bool usable_name(const std::string& name) {
    return !name.empty() && name.front() != '.' && name.find('/') == std::string::npos &&
           name != "defaults";
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string directory_of(const std::string& path) {
    return path.substr(0, path.rfind('/'));
}

// Lays one layer over `layered`, remembering where each key came from.
Status lay(OptionTable& table, LayeredOptions& layered, const std::vector<Setting>& settings) {
    if (auto applied = table.apply(layered.options, settings); !applied) return applied;
    for (const auto& setting : settings) {
        auto same = [&](const Setting& s) { return s.key == setting.key; };
        auto entry = std::find_if(layered.effective.begin(), layered.effective.end(), same);
        if (entry != layered.effective.end()) *entry = setting;
    }
    return {};
}

Status lay_file(OptionTable& table, LayeredOptions& layered, const std::string& path) {
    auto settings = read_config_file(path);
    if (!settings) return settings.error();
    return lay(table, layered, *settings);
}

// defaults.conf, NAME.conf, --config and the command line, in this order.
Result<LayeredOptions> layer_account(OptionTable& table, const Options& cli,
                                     const std::string& name, const std::string& file) {
    LayeredOptions layered{name, file, {}, table.defaults()};
    std::string defaults = directory_of(file) + "/defaults.conf";
    if (exists(defaults))
        if (auto laid = lay_file(table, layered, defaults); !laid) return laid.error();
    if (auto laid = lay_file(table, layered, file); !laid) return laid.error();
    if (!cli.config.empty())
        if (auto laid = lay_file(table, layered, expand_home(cli.config)); !laid)
            return laid.error();
    if (auto laid = lay(table, layered, cli.command_line); !laid) return laid.error();
    if (layered.options.domains.empty())
        if (auto laid = lay(table, layered, {{"domains", {name}, "account name"}}); !laid)
            return laid.error();
    return layered;
}

// The command-line form: --config and the command line; NAMEs are domains.
Result<LayeredOptions> layer_domains(OptionTable& table, const Options& cli,
                                     const std::vector<std::string>& domains) {
    LayeredOptions layered{{}, {}, {}, table.defaults()};
    if (!cli.config.empty())
        if (auto laid = lay_file(table, layered, expand_home(cli.config)); !laid)
            return laid.error();
    if (auto laid = lay(table, layered, cli.command_line); !laid) return laid.error();
    if (!domains.empty())
        if (auto laid = lay(table, layered, {{"domains", domains, "command line"}}); !laid)
            return laid.error();
    const auto& o = layered.options;
    layered.name = !o.domains.empty() ? text::split(o.domains.front(), ',').front() : o.host;
    return layered;
}

}  // namespace

std::string user_account_dir() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/odmr-fetch";
    return expand_home("~/.config/odmr-fetch");
}

std::string all_accounts_dir() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    bool root_default = ::geteuid() == 0 && (xdg == nullptr || xdg[0] == '\0');
    return root_default ? system_account_dir : user_account_dir();
}

std::optional<std::string> find_account_file(const std::string& name) {
    if (!usable_name(name)) return std::nullopt;
    for (const auto& directory : {user_account_dir(), std::string(system_account_dir)}) {
        std::string path = directory + "/" + name + std::string(suffix);
        if (exists(path)) return path;
    }
    return std::nullopt;
}

Result<std::vector<std::string>> list_account_names(const std::string& directory) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
    if (!dir)
        return make_error(Errc::config, "--all: cannot read " + directory + ": " +
                                            std::generic_category().message(errno));
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir.get())) {
        std::string file = entry->d_name;
        if (!file.ends_with(suffix)) continue;
        std::string name = file.substr(0, file.size() - suffix.size());
        if (usable_name(name)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    if (names.empty())
        return make_error(Errc::config, "--all: no account files (NAME.conf) in " + directory);
    return names;
}

Result<std::vector<LayeredOptions>> layer_accounts(const Options& cli) {
    OptionTable table;
    return layer_accounts(cli, table);
}

Result<std::vector<LayeredOptions>> layer_accounts(const Options& cli, OptionTable& table) {
    if (cli.all && !cli.domains.empty()) return make_error(Errc::usage, "--all takes no NAME");
    std::vector<std::string> names = cli.domains;
    std::string all_dir = all_accounts_dir();
    if (cli.all) {
        auto listed = list_account_names(all_dir);
        if (!listed) return listed.error();
        names = std::move(*listed);
    }
    std::vector<LayeredOptions> accounts;
    std::vector<std::string> domains;
    for (const auto& name : names) {
        auto file = cli.all ? std::optional(all_dir + "/" + name + std::string(suffix))
                            : find_account_file(name);
        if (!file) {
            domains.push_back(name);
            continue;
        }
        auto layered = layer_account(table, cli, name, *file);
        if (!layered) return layered.error();
        accounts.push_back(std::move(*layered));
    }
    if (!domains.empty() || accounts.empty()) {
        auto layered = layer_domains(table, cli, domains);
        if (!layered) return layered.error();
        accounts.push_back(std::move(*layered));
    }
    return accounts;
}

namespace {

// An error of resolve_account that a value from a file caused: name the
// file and line (the key is the first "--key" the message mentions).
Error with_origin(const LayeredOptions& layered, Error error) {
    const auto& detail = error.detail;
    std::string key = detail.starts_with("invalid domain")               ? "domains"
                      : detail.starts_with("unknown delivery kind")      ? "deliver"
                      : detail.starts_with("unsupported SASL mechanism") ? "auth"
                                                                         : std::string();
    if (auto dashes = error.detail.find("--"); key.empty() && dashes != std::string::npos) {
        auto end =
            error.detail.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", dashes + 2);
        key = error.detail.substr(dashes + 2, end == std::string::npos ? end : end - dashes - 2);
    }
    for (const auto& setting : layered.effective) {
        if (setting.key != key || setting.origin == "default" || setting.origin == "command line" ||
            setting.origin == "account name")
            continue;
        return make_error(Errc::config, setting.origin + ": " + error.detail);
    }
    return error;
}

}  // namespace

Result<std::vector<Account>> resolve_accounts(const Options& cli) {
    OptionTable table;
    return resolve_accounts(cli, table);
}

Result<std::vector<Account>> resolve_accounts(const Options& cli, OptionTable& table) {
    auto layered = layer_accounts(cli, table);
    if (!layered) return layered.error();
    std::vector<Account> accounts;
    for (const auto& one : *layered) {
        auto account = resolve_account(one.options);
        if (!account) return with_origin(one, account.error());
        account->name = one.name;
        accounts.push_back(std::move(*account));
    }
    return accounts;
}

}  // namespace odmr::app
