#include "app/report_json.h"

#include <cstdio>

namespace odmr::app {

std::string json_escape(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
            out += buffer;
        } else {
            out += c;  // UTF-8 passes; invalid bytes are the reader's problem
        }
    }
    return out + "\"";
}

namespace {

std::string or_null(const std::string& text) {
    return text.empty() ? "null" : json_escape(text);
}

std::string one(const AccountReport& r) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", r.seconds);
    const FetchSummary& f = r.fetch;
    return "{\"account\": " + json_escape(r.account) +
           ", \"messages\": " + std::to_string(f.delivered) +
           ", \"octets\": " + std::to_string(f.octets) +
           ", \"sessions\": " + std::to_string(f.sessions) + ", \"seconds\": " + seconds +
           ", \"duplicates\": " + std::to_string(f.duplicates) +
           ", \"provider\": " + json_escape(r.provider) + ", \"tls\": " + or_null(f.tls_version) +
           ", \"sasl\": " + or_null(f.mechanism) +
           ", \"outcome\": " + json_escape(outcome_word(r)) +
           ", \"status\": " + std::to_string(r.status) +
           ", \"error\": " + (f.error ? json_escape(f.error->message()) : "null") +
           ", \"finished\": " + std::to_string(r.finished) + "}";
}

}  // namespace

std::string to_json(const std::vector<AccountReport>& reports, int status) {
    std::string out = "{\"status\": " + std::to_string(status) + ", \"accounts\": [";
    for (std::size_t i = 0; i < reports.size(); ++i)
        out += (i ? ",\n  " : "\n  ") + one(reports[i]);
    return out + "\n]}\n";
}

}  // namespace odmr::app
