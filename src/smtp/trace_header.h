// The trace header we add to every received message (RFC 5321 §4.4):
//
//   Received: from <EHLO name> ([<address>])
//   	by <us> (odmr-fetch) with <protocol>[ (<TLS version>:<cipher>)]
//   	id <message id>
//   	for <recipient>;                  (only with exactly one recipient)
//   	<date>
#pragma once

#include <ctime>
#include <span>
#include <string>
#include <string_view>

namespace odmr::smtp {

struct Trace {
    std::string client_name;     // as the provider gave it in EHLO/HELO
    std::string client_address;  // "127.0.0.1", empty if unknown
    std::string hostname;        // ours
    bool esmtp = false;          // EHLO rather than HELO
    bool smtputf8 = false;       // the transaction is SMTPUTF8
    std::string tls_version;     // empty without TLS
    std::string tls_cipher;
    std::string id;
    std::span<const std::string> recipients;
    std::time_t when = 0;
    std::string date;  // `when` as rfc5322_date() writes it; empty: written from `when`
};

// "Tue, 01 Dec 2026 11:00:00 +0000", in the local time zone.
std::string rfc5322_date(std::time_t when);

// The whole field, CRLF line ends, CRLF-terminated.
std::string received_header(const Trace& trace);
// The same, appended to `out`.
void append_received_header(std::string& out, const Trace& trace);

// A peer-supplied name or address made safe for a header or a log line:
// printable ASCII, plus well-formed UTF-8 when `utf8` (RFC 6532); at most 255
// octets; anything else becomes '?'.
std::string header_safe(std::string_view s, bool utf8);
void append_header_safe(std::string& out, std::string_view s, bool utf8);

}  // namespace odmr::smtp
