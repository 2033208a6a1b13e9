#include "app/print_config.h"

#include <algorithm>

#include "app/option_secrets.h"

namespace odmr::app {

namespace {

bool bare(const std::string& value) {
    return value == "true" || value == "false" ||
           (!value.empty() &&
            std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }));
}

std::string show(const Setting& setting) {
    std::vector<std::string> shown;
    for (const auto& value : setting.values) {
        if (value.empty() && setting.key == "domains") continue;
        std::string hidden = hide_secret(setting.key, value);
        shown.push_back(bare(hidden) ? hidden : "\"" + hidden + "\"");
    }
    if (setting.key != "domains" && shown.size() == 1) return shown.front();
    std::string list = "[";
    for (const auto& item : shown) list += (list.size() > 1 ? ", " : "") + item;
    return list + "]";
}

}  // namespace

std::string print_config(const LayeredOptions& account) {
    std::string out = "# account " + account.name;
    out += account.file.empty() ? " (no account file)\n" : " (" + account.file + ")\n";
    for (const auto& setting : account.effective) {
        std::string line = setting.key + " = " + show(setting);
        if (line.size() < 48) line.resize(48, ' ');
        out += line + "  # " + setting.origin + "\n";
    }
    return out;
}

}  // namespace odmr::app
