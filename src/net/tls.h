// TLS policy for talking to the provider: how the OpenSSL context is built
// (trust store, minimum version, client certificate) and how each session's
// peer is checked (SNI, host name, or pinned fingerprints). Verification is
// on by default and there is no switch to turn it off silently: the user may
// only choose what to trust.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "net/certificate.h"
#include "util/result.h"

namespace odmr::net {

struct TlsPolicy {
    std::string ca_file;  // empty: the system's default trust store
    int min_version = TLS1_2_VERSION;
    std::string cert_file;  // client certificate chain (PEM); empty: none
    std::string key_file;   // its private key (PEM, unencrypted); empty: in cert_file
    bool used = true;       // false with --tls none: skip loading a trust store nobody reads
};

// "1.2" or "1.3" (also "TLSv1.2", "TLSv1.3").
Result<int> parse_tls_version(std::string_view text);

Result<std::unique_ptr<asio::ssl::context>> make_client_context(const TlsPolicy& policy);

// How the provider's certificate is checked in one session.
struct PeerCheck {
    std::string name;               // host name or address literal (SNI, verification)
    std::vector<Fingerprint> pins;  // not empty: trust a certificate with one of these
                                    // fingerprints, and nothing else (no CA, no name check)
};

// Before the handshake: SNI (for names, not address literals) and what the
// certificate must match.
Status prepare_client_session(SSL* ssl, const PeerCheck& peer);

// After the handshake: with pins, the certificate must match one.
Status check_pins(SSL* ssl, const PeerCheck& peer);

// Turns a failed handshake into an error that says why, in words (e.g.
// "certificate verify failed: hostname mismatch"), with the certificate's
// fingerprint so that the user can check and pin it.
Error handshake_error(SSL* ssl, const std::error_code& ec, const PeerCheck& peer);

}  // namespace odmr::net
