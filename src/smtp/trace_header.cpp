#include "smtp/trace_header.h"

#include "smtp/params.h"

namespace odmr::smtp {
namespace {

std::string_view protocol(const Trace& trace) {
    bool tls = !trace.tls_version.empty();
    if (trace.smtputf8) return tls ? "UTF8SMTPS" : "UTF8SMTP";
    if (trace.esmtp) return tls ? "ESMTPS" : "ESMTP";
    return tls ? "SMTPS" : "SMTP";
}

}  // namespace

std::string rfc5322_date(std::time_t when) {
    std::tm local{};
    localtime_r(&when, &local);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S %z", &local);
    return std::string(buffer, n);
}

void append_header_safe(std::string& out, std::string_view s, bool utf8) {
    s = s.substr(0, 255);
    bool allow_utf8 = utf8 && is_utf8(s);
    std::size_t at = out.size();
    out.resize(at + s.size());  // once, not a capacity check per octet
    char* to = out.data() + at;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool printable = u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\';
        *to++ = (printable || (allow_utf8 && u >= 0x80)) ? c : '?';
    }
}

std::string header_safe(std::string_view s, bool utf8) {
    std::string out;
    append_header_safe(out, s, utf8);
    return out;
}

// One append after another into `out` (a buffer the session reuses).
void append_received_header(std::string& out, const Trace& trace) {
    out += "Received: from ";
    append_header_safe(out, trace.client_name, false);
    if (!trace.client_address.empty()) {
        out += " ([";
        out += trace.client_address;
        out += "])";
    }
    out += "\r\n\tby ";
    out += trace.hostname;
    out += " (odmr-fetch) with ";
    out += protocol(trace);
    if (!trace.tls_version.empty()) {
        out += " (";
        out += trace.tls_version;
        out += ':';
        out += trace.tls_cipher;
        out += ')';
    }
    out += "\r\n\tid ";
    out += trace.id;
    if (trace.recipients.size() == 1) {
        out += "\r\n\tfor <";
        append_header_safe(out, trace.recipients.front(), trace.smtputf8);
        out += '>';
    }
    out += ";\r\n\t";
    if (trace.date.empty())
        out += rfc5322_date(trace.when);
    else
        out += trace.date;  // not through ?:, which would copy it
    out += "\r\n";
}

std::string received_header(const Trace& trace) {
    std::string out;
    append_received_header(out, trace);
    return out;
}

}  // namespace odmr::smtp
