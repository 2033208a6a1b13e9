#include "smtp/trace_header.h"

#include "smtp/params.h"

namespace odmr::smtp {
namespace {

std::string rfc5322_date(std::time_t when) {
    std::tm local{};
    localtime_r(&when, &local);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S %z", &local);
    return std::string(buffer, n);
}

std::string protocol(const Trace& trace) {
    std::string out = trace.smtputf8 ? "UTF8SMTP" : trace.esmtp ? "ESMTP" : "SMTP";
    if (!trace.tls_version.empty()) out += "S";
    return out;
}

}  // namespace

std::string header_safe(std::string_view s, bool utf8) {
    s = s.substr(0, 255);
    bool allow_utf8 = utf8 && is_utf8(s);
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool printable = u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\';
        out += (printable || (allow_utf8 && u >= 0x80)) ? c : '?';
    }
    return out;
}

std::string received_header(const Trace& trace) {
    std::string out = "Received: from " + header_safe(trace.client_name, false);
    if (!trace.client_address.empty()) out += " ([" + trace.client_address + "])";
    out += "\r\n\tby " + trace.hostname + " (odmr-fetch) with " + protocol(trace);
    if (!trace.tls_version.empty()) out += " (" + trace.tls_version + ":" + trace.tls_cipher + ")";
    out += "\r\n\tid " + trace.id;
    if (trace.recipients.size() == 1)
        out += "\r\n\tfor <" + header_safe(trace.recipients.front(), trace.smtputf8) + ">";
    out += ";\r\n\t" + rfc5322_date(trace.when) + "\r\n";
    return out;
}

}  // namespace odmr::smtp
