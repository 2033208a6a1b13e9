#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio/ip/address.hpp>

namespace odmr::net {

Result<std::unique_ptr<asio::ssl::context>> make_client_context(const TlsPolicy& policy) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, policy.min_version);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    std::error_code ec;
    if (!policy.used) return context;
    if (policy.ca_file.empty()) {
        context->set_default_verify_paths(ec);
        if (ec) return make_error(ec, "loading the system's trusted CA certificates");
    } else {
        context->load_verify_file(policy.ca_file, ec);
        if (ec) return make_error(Errc::config, "cannot load CA file " + policy.ca_file);
    }
    context->set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return make_error(ec, "setting the TLS verification mode");
    return context;
}

Status prepare_client_session(SSL* ssl, const std::string& server_name, bool verify_name) {
    std::error_code ec;
    (void)asio::ip::make_address(server_name, ec);
    bool is_literal = !ec;
    // RFC 6066: SNI carries host names only, never address literals.
    if (!is_literal && SSL_set_tlsext_host_name(ssl, server_name.c_str()) != 1)
        return make_error(Errc::tls, "cannot set the TLS server name " + server_name);
    if (!verify_name) return {};
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
    if (ok != 1)
        return make_error(Errc::tls, "cannot check the certificate against " + server_name);
    return {};
}

Error handshake_error(SSL* ssl, const std::error_code& ec) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        return make_error(Errc::tls, std::string("TLS certificate verification failed: ") +
                                         X509_verify_cert_error_string(verify));
    if (ec == make_error_code(Errc::timeout)) return make_error(Errc::timeout, "TLS handshake");
    return make_error(Errc::tls, "TLS handshake failed: " + ec.message());
}

}  // namespace odmr::net
