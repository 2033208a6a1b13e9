// What a user sees of, and may pin about, the provider's certificate:
// SHA-256 fingerprints of the certificate and of its public key, printed as
// colon-separated hex (as msmtp does) and parsed from "sha256:HEX", and a
// short description for --serverinfo and for verification errors.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::net {

using Fingerprint = std::array<unsigned char, 32>;  // SHA-256

// "sha256:AB:CD:..." or "sha256:abcd..." (case and colons do not matter),
// several separated by commas; each is a certificate's or a public key's.
Result<std::vector<Fingerprint>> parse_pins(std::string_view text);

Fingerprint certificate_fingerprint(X509* certificate);
Fingerprint public_key_fingerprint(X509* certificate);           // of the SubjectPublicKeyInfo
std::string format_fingerprint(const Fingerprint& fingerprint);  // "AB:CD:..."

// True when the certificate or its public key has one of the fingerprints.
bool matches_pin(X509* certificate, const std::vector<Fingerprint>& pins);

struct CertificateInfo {
    std::string subject;  // one line, RFC 2253 style
    std::string issuer;
    std::string not_before;  // "2026-11-29 12:00:00 UTC"
    std::string not_after;
    std::string alt_names;  // "DNS:localhost, IP:127.0.0.1"
    std::string sha256;     // certificate fingerprint, "AB:CD:..."
    std::string public_key_sha256;
};

CertificateInfo describe_certificate(X509* certificate);

// The sentence appended to a verification failure so the user can check and
// pin the certificate (like msmtp's).
std::string pin_hint(X509* certificate);

}  // namespace odmr::net
