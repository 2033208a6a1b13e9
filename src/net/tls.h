// TLS policy for talking to the provider: how the OpenSSL context is built
// (trust store, minimum version) and how each session is checked (SNI, host
// name). Verification is on by default and there is no switch to turn it off
// silently: the user may only choose what to trust.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <system_error>

#include "util/result.h"

namespace odmr::net {

struct TlsPolicy {
    std::string ca_file;  // empty: the system's default trust store
    int min_version = TLS1_2_VERSION;
    bool used = true;  // false with --tls none: skip loading a trust store nobody reads
};

Result<std::unique_ptr<asio::ssl::context>> make_client_context(const TlsPolicy& policy);

// Sets SNI (for names, not address literals) and the name or address the
// certificate must match.
Status prepare_client_session(SSL* ssl, const std::string& server_name, bool verify_name);

// Turns a failed handshake into an error that says why, in words (e.g.
// "certificate verify failed: hostname mismatch").
Error handshake_error(SSL* ssl, const std::error_code& ec);

}  // namespace odmr::net
