// Channel binding data of a client TLS session (RFC 5056), which SCRAM-PLUS
// mixes into its proof so that a man in the middle who terminates TLS with
// a certificate of its own cannot relay the exchange:
//   tls-exporter          RFC 9266; TLS 1.3, or TLS 1.2 with extended master secret
//   tls-unique            RFC 5929; TLS 1.2 and older only
//   tls-server-end-point  RFC 5929; a hash of the server certificate, any version
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "util/channel_binding.h"
#include "util/result.h"

namespace odmr::net {

enum class BindingType { automatic, tls_exporter, tls_unique, tls_server_end_point };

// "auto", "tls-exporter", "tls-unique", "tls-server-end-point".
Result<BindingType> parse_binding_type(std::string_view text);
std::string_view binding_name(BindingType type);

// `automatic` is tls-exporter on TLS 1.3 and tls-unique on TLS 1.2 (what
// Dovecot, Cyrus SASL and GNU SASL servers accept). An error says why a type
// cannot be had on this session.
Result<ChannelBinding> channel_binding(SSL* ssl, BindingType type);

}  // namespace odmr::net
