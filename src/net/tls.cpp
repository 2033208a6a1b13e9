#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <asio/ip/address.hpp>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "util/text.h"

namespace odmr::net {
namespace {

// With pinned fingerprints the chain is not judged by a CA: the pin decides
// once the handshake is done (check_pins), before anything is sent.
int accept_for_pinning(int /*preverify_ok*/, X509_STORE_CTX* /*store*/) {
    return 1;
}

// Never ask for a passphrase on a terminal (odmr-fetch runs from cron).
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
    return 0;
}

std::string openssl_reason() {
    unsigned long code = ERR_peek_last_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason != nullptr ? reason : "unknown reason";
}

Status load_client_certificate(SSL_CTX* native, const TlsPolicy& policy) {
    const std::string& key_file = policy.key_file.empty() ? policy.cert_file : policy.key_file;
    SSL_CTX_set_default_passwd_cb(native, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(native, policy.cert_file.c_str()) != 1)
        return make_error(Errc::config, "cannot load the client certificate " + policy.cert_file +
                                            ": " + openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        return make_error(Errc::config, "cannot load the client key " + key_file + ": " +
                                            openssl_reason() +
                                            " (it must be PEM and not protected by a passphrase)");
    if (SSL_CTX_check_private_key(native) != 1)
        return make_error(Errc::config, "the client key " + key_file +
                                            " does not belong to the certificate " +
                                            policy.cert_file);
    return {};
}

// True when `directories` (a colon-separated list, like SSL_CERT_DIR) hold
// certificates under OpenSSL's subject-hash names ("1a2b3c4d.0"), as
// update-ca-certificates and c_rehash make them.
bool has_hashed_certificates(const std::string& directories) {
    for (const auto& directory : text::split(directories, ':')) {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
             it.increment(ec)) {
            std::string name = it->path().filename().string();
            if (name.size() == 10 && name.ends_with(".0") &&
                std::all_of(name.begin(), name.begin() + 8, ::isxdigit))
                return true;
        }
    }
    return false;
}

// The system's trust store as cheaply as OpenSSL allows. The default CA
// bundle file is parsed whole (every certificate, ~150 on Debian) when it is
// loaded; the hashed directory beside it holds the same certificates and is
// read lazily, one issuer at a time, during verification. So: the directory
// alone when it is hashed and the user did not name a bundle (SSL_CERT_FILE);
// otherwise OpenSSL's defaults, file and directory.
Status load_system_trust_store(asio::ssl::context& context) {
    const char* env_dir = std::getenv(X509_get_default_cert_dir_env());
    std::string directory = env_dir != nullptr ? env_dir : X509_get_default_cert_dir();
    if (std::getenv(X509_get_default_cert_file_env()) == nullptr &&
        has_hashed_certificates(directory)) {
        if (SSL_CTX_load_verify_dir(context.native_handle(), directory.c_str()) == 1) return {};
        ERR_clear_error();
    }
    std::error_code ec;
    context.set_default_verify_paths(ec);
    if (ec) return make_error(ec, "loading the system's trusted CA certificates");
    return {};
}

// OpenSSL's usual initialisation (its configuration file, where a system
// crypto policy lives, and its error strings), but no OPENSSL_cleanup at
// exit: freeing every table just before the process ends is ~1.4 M
// instructions, 5 % of a run with no mail. Must come before any other
// OpenSSL call to take effect; later calls are no-ops. Under
// AddressSanitizer the cleanup stays, so that leak reports stay clean.
void init_openssl() {
#if defined(__SANITIZE_ADDRESS__)
    constexpr std::uint64_t at_exit = 0;
#else
    constexpr std::uint64_t at_exit = OPENSSL_INIT_NO_ATEXIT;
#endif
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_SSL_DEFAULT | at_exit, nullptr);
}

}  // namespace

Result<int> parse_tls_version(std::string_view text) {
    std::string_view version = text::istarts_with(text, "TLSv") ? text.substr(4) : text;
    if (version == "1.2") return TLS1_2_VERSION;
    if (version == "1.3") return TLS1_3_VERSION;
    return make_error(Errc::usage,
                      "unknown TLS version \"" + std::string(text) + "\" (known: 1.2, 1.3)");
}

Result<std::unique_ptr<asio::ssl::context>> make_client_context(const TlsPolicy& policy) {
    init_openssl();
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, policy.min_version);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    std::error_code ec;
    if (!policy.used) return context;
    if (policy.ca_file.empty()) {
        if (auto loaded = load_system_trust_store(*context); !loaded) return loaded.error();
    } else {
        context->load_verify_file(policy.ca_file, ec);
        if (ec) return make_error(Errc::config, "cannot load CA file " + policy.ca_file);
    }
    context->set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return make_error(ec, "setting the TLS verification mode");
    if (!policy.cert_file.empty()) {
        if (auto loaded = load_client_certificate(native, policy); !loaded) return loaded.error();
    }
    return context;
}

Status prepare_client_session(SSL* ssl, const PeerCheck& peer) {
    std::error_code ec;
    (void)asio::ip::make_address(peer.name, ec);
    bool is_literal = !ec;
    // RFC 6066: SNI carries host names only, never address literals.
    if (!is_literal && SSL_set_tlsext_host_name(ssl, peer.name.c_str()) != 1)
        return make_error(Errc::tls, "cannot set the TLS server name " + peer.name);
    if (!peer.pins.empty()) {
        SSL_set_verify(ssl, SSL_VERIFY_PEER, accept_for_pinning);
        return {};
    }
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, peer.name.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, peer.name.c_str(), 0);
    if (ok != 1) return make_error(Errc::tls, "cannot check the certificate against " + peer.name);
    return {};
}

Status check_pins(SSL* ssl, const PeerCheck& peer) {
    if (peer.pins.empty()) return {};
    X509* certificate = SSL_get0_peer_certificate(ssl);
    if (certificate == nullptr) return make_error(Errc::tls, "the provider sent no certificate");
    if (matches_pin(certificate, peer.pins)) return {};
    return make_error(Errc::tls,
                      "the provider's certificate matches none of the pinned "
                      "fingerprints (--tls-fingerprint); " +
                          pin_hint(certificate));
}

Error handshake_error(SSL* ssl, const std::error_code& ec, const PeerCheck& peer) {
    // With pins, OpenSSL's verdict was overridden and does not explain a failure.
    long verify = peer.pins.empty() ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (verify != X509_V_OK) {
        std::string why = std::string("TLS certificate verification failed: ") +
                          X509_verify_cert_error_string(verify);
        // The chain the server sent is kept even when it failed verification.
        STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
        if (chain != nullptr && sk_X509_num(chain) > 0)
            why += "; " + pin_hint(sk_X509_value(chain, 0));
        return make_error(Errc::tls, why);
    }
    if (ec == make_error_code(Errc::timeout)) return make_error(Errc::timeout, "TLS handshake");
    return make_error(Errc::tls, "TLS handshake failed: " + ec.message());
}

}  // namespace odmr::net
