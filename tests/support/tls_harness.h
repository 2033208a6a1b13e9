// TLS for unit tests without files: a self-signed certificate made in memory
// (EC P-256, for DNS:localhost and IP:127.0.0.1), a server context using it,
// and a client context that trusts it. Both ends are real OpenSSL.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <asio/ssl/context.hpp>
#include <memory>
#include <stdexcept>
#include <string>

namespace odmr::test {

struct TestCertificate {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> certificate;
};

inline void add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
}

// A fresh self-signed certificate whose subject is CN=`common_name`.
inline TestCertificate make_certificate(const std::string& common_name = "localhost",
                                        const char* alt_names = "DNS:localhost,IP:127.0.0.1") {
    std::shared_ptr<EVP_PKEY> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::shared_ptr<X509> certificate(X509_new(), X509_free);
    if (!key || !certificate) throw std::runtime_error("cannot make a test key");
    X509* c = certificate.get();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400);
    X509_set_pubkey(c, key.get());
    X509_NAME* name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(c, name);
    add_extension(c, NID_subject_alt_name, alt_names);
    add_extension(c, NID_basic_constraints, "critical,CA:TRUE");
    if (X509_sign(c, key.get(), EVP_sha256()) == 0) throw std::runtime_error("cannot sign");
    return {key, certificate};
}

inline std::unique_ptr<asio::ssl::context> server_context(const TestCertificate& identity,
                                                          int max_version = 0) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_use_certificate(native, identity.certificate.get());
    SSL_CTX_use_PrivateKey(native, identity.key.get());
    if (max_version != 0) SSL_CTX_set_max_proto_version(native, max_version);
    return context;
}

// Trusts `identity` as its CA; verification on, as in odmr-fetch.
inline std::unique_ptr<asio::ssl::context> client_context(const TestCertificate& trusted) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(context->native_handle()),
                        trusted.certificate.get());
    context->set_verify_mode(asio::ssl::verify_peer);
    return context;
}

}  // namespace odmr::test
