#include "app/metrics.h"

#include <array>
#include <cstdio>
#include <cstdlib>

#include "app/exit_code.h"

namespace odmr::app {
namespace {

struct Metric {
    const char* name;
    const char* type;
    const char* help;
};

constexpr std::array<Metric, 7> metrics{{
    {"odmr_fetch_last_run_timestamp_seconds", "gauge", "When the account's last run ended."},
    {"odmr_fetch_last_success_timestamp_seconds", "gauge",
     "When a run of the account last ended without failure (mail or no mail)."},
    {"odmr_fetch_last_run_status", "gauge", "Exit status of the account's last run."},
    {"odmr_fetch_messages_total", "counter", "Messages delivered."},
    {"odmr_fetch_octets_total", "counter", "Octets of message data delivered."},
    {"odmr_fetch_failures_total", "counter", "Runs that ended with a failure."},
    {"odmr_fetch_runs_total", "counter", "Runs."},
}};

std::string label(std::string_view account) {
    std::string out;
    for (char c : account) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string unlabel(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            ++i;
            out += text[i] == 'n' ? '\n' : text[i];
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string number(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

void update(Series& series, const AccountReport& r) {
    auto at = [&](const char* name) -> double& { return series[{name, r.account}]; };
    bool success = r.status == exit_delivered || r.status == exit_no_mail;
    at("odmr_fetch_last_run_timestamp_seconds") = static_cast<double>(r.finished);
    if (success) at("odmr_fetch_last_success_timestamp_seconds") = static_cast<double>(r.finished);
    at("odmr_fetch_last_run_status") = r.status;
    at("odmr_fetch_messages_total") += static_cast<double>(r.fetch.delivered);
    at("odmr_fetch_octets_total") += static_cast<double>(r.fetch.octets);
    at("odmr_fetch_failures_total") += success ? 0 : 1;
    at("odmr_fetch_runs_total") += 1;
}

}  // namespace

Series parse_metrics(std::string_view text) {
    Series series;
    while (!text.empty()) {
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        auto open = line.find("{account=\"");
        auto close = line.rfind("\"} ");
        if (line.starts_with('#') || open == std::string_view::npos ||
            close == std::string_view::npos || close < open)
            continue;
        std::string name(line.substr(0, open));
        std::string account = unlabel(line.substr(open + 10, close - open - 10));
        std::string value(line.substr(close + 3));
        char* parsed_end = nullptr;
        double v = std::strtod(value.c_str(), &parsed_end);
        if (parsed_end != value.c_str()) series[{name, account}] = v;
    }
    return series;
}

std::string to_prometheus(const std::vector<AccountReport>& reports, Series previous) {
    for (const auto& report : reports) update(previous, report);
    std::string out;
    for (const auto& metric : metrics) {
        out += std::string("# HELP ") + metric.name + " " + metric.help + "\n";
        out += std::string("# TYPE ") + metric.name + " " + metric.type + "\n";
        for (const auto& [key, value] : previous) {
            if (key.first != metric.name) continue;
            out += key.first + "{account=\"" + label(key.second) + "\"} " + number(value) + "\n";
        }
    }
    return out;
}

}  // namespace odmr::app
