#include "app/config_file.h"

#include <map>

#include "app/option_secrets.h"
#include "util/regular_file.h"
#include "util/secret.h"
#include "util/text.h"

namespace odmr::app {

namespace {

// Cuts a comment: a '#' at the start or after a space, outside quotes.
std::string_view without_comment(std::string_view value) {
    char quote = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || value[i - 1] == ' ' || value[i - 1] == '\t')) {
            return text::trim(value.substr(0, i));
        }
    }
    return value;
}

// A scalar: "quoted", 'quoted' or bare. False for a bad quote.
bool scalar(std::string_view item, std::string& out) {
    item = text::trim(item);
    if (!item.empty() && (item.front() == '"' || item.front() == '\'')) {
        char quote = item.front();
        if (item.size() < 2 || item.back() != quote) return false;
        item = item.substr(1, item.size() - 2);
        if (item.find(quote) != std::string_view::npos) return false;
    }
    out = std::string(item);
    return true;
}

// A value: a scalar, or a list "[a, b]" (commas inside quotes are kept).
bool values_of(std::string_view value, std::vector<std::string>& out) {
    if (value.empty() || value.front() != '[') {
        out.emplace_back();
        return scalar(value, out.back());
    }
    if (value.back() != ']') return false;
    value = value.substr(1, value.size() - 2);
    char quote = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        char c = i < value.size() ? value[i] : ',';
        if (quote != 0) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '"' || c == '\'') quote = c;
        if (c != ',') continue;
        auto item = text::trim(value.substr(start, i - start));
        start = i + 1;
        if (item.empty()) continue;
        out.emplace_back();
        if (!scalar(item, out.back())) return false;
    }
    return quote == 0;
}

bool valid_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

}  // namespace

Result<std::vector<Setting>> parse_config_text(std::string_view text, const std::string& path) {
    std::vector<Setting> settings;
    std::map<std::string, std::size_t, std::less<>> seen;  // key -> line
    std::size_t number = 0;
    for (std::string_view rest = text; !rest.empty() || number == 0;) {
        auto end = rest.find('\n');
        auto raw = rest.substr(0, end);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        auto line = text::trim(raw);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        std::string where = path + ":" + std::to_string(++number);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[')
            return make_error(Errc::config, where +
                                                ": sections are not supported; write "
                                                "\"key = value\" lines only");
        auto equals = line.find('=');
        if (equals == std::string_view::npos)
            return make_error(Errc::config, where + ": expected \"key = value\"");
        auto key = text::trim(line.substr(0, equals));
        if (!valid_key(key))
            return make_error(Errc::config,
                              where +
                                  ": a key is a long option's name, in lower case with "
                                  "hyphens (like password-file)");
        if (auto first = seen.find(key); first != seen.end())
            return make_error(Errc::config, where + ": " + std::string(key) +
                                                " is already set on line " +
                                                std::to_string(first->second));
        seen.emplace(std::string(key), number);
        Setting setting{std::string(key), {}, where};
        if (!values_of(without_comment(text::trim(line.substr(equals + 1))), setting.values))
            return make_error(Errc::config,
                              where + ": the value of " + setting.key +
                                  " is not a string, a \"quoted string\" or a [list]");
        settings.push_back(std::move(setting));
    }
    return settings;
}

Result<std::vector<Setting>> read_config_file(const std::string& path) {
    struct stat status {};
    auto text = read_text_file(path, max_config_size, &status);
    if (!text) return text.error();
    if (auto access = check_file_access(path, status, FileContent::settings); !access) {
        wipe(*text);
        return access.error();
    }
    auto settings = parse_config_text(*text, path);
    wipe(*text);
    if (!settings) return settings.error();
    for (const auto& setting : *settings) {
        for (const auto& value : setting.values) {
            if (!holds_secret(setting.key, value)) continue;
            auto secret = check_file_access(path, status, FileContent::secret);
            if (!secret)
                return make_error(Errc::config, secret.error().detail + " (" + setting.key +
                                                    " on line " +
                                                    setting.origin.substr(path.size() + 1) +
                                                    " holds a password)");
        }
    }
    return settings;
}

}  // namespace odmr::app
