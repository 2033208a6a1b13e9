// libFuzzer target: an account or configuration file (odmr-fetch.conf(5)) as
// config_file reads it, then laid over the options as account_files does
// (apply_settings: every value checked as on the command line). Each byte
// 0x01 of the input stands for a password: a syntax error must never repeat
// one, nor may a value's error when the password sits where a proxy URL
// keeps it (the only secret a configuration value may hold).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/config_file.h"
#include "app/option_secrets.h"
#include "app/options.h"

using namespace odmr;
using namespace odmr::app;

namespace {

// Upper-case letters: never part of a key, so never in a message by accident.
constexpr std::string_view password = "PW5ECRET";

bool mentions_password(std::string_view text) {
    return text.find(password) != std::string_view::npos;
}

// True when every password of `settings` is one that hide_secret hides.
bool passwords_hidden(const std::vector<Setting>& settings) {
    for (const auto& setting : settings) {
        for (const auto& value : setting.values) {
            if (!mentions_password(value)) continue;
            if (!holds_secret(setting.key, value)) return false;
            if (mentions_password(hide_secret(setting.key, value))) return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // CLI11 is slow; the parser's bound is tested on its own
    std::string text;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 1)
            text += password;
        else
            text += static_cast<char>(data[i]);
    }
    auto settings = parse_config_text(text, "fuzz.conf");
    if (!settings) {
        const auto& message = settings.error().message();
        if (!message.starts_with("fuzz.conf:") || mentions_password(message)) std::abort();
        return 0;
    }
    for (const auto& setting : *settings) {
        if (setting.key.empty() || !setting.origin.starts_with("fuzz.conf:")) std::abort();
        for (const auto& value : setting.values)
            if (value.find('\n') != std::string::npos) std::abort();
    }
    Options options;
    auto applied = apply_settings(options, *settings);
    if (!applied && passwords_hidden(*settings) && mentions_password(applied.error().message()))
        std::abort();
    return 0;
}
