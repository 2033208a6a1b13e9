#include "net/channel_binding.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace odmr::net {
namespace {

constexpr std::string_view exporter_label = "EXPORTER-Channel-Binding";

Result<std::string> exporter(SSL* ssl) {
    if (SSL_version(ssl) < TLS1_3_VERSION && SSL_get_extms_support(ssl) != 1)
        return make_error(Errc::tls,
                          "tls-exporter needs TLS 1.3, or TLS 1.2 with the extended "
                          "master secret, which this session lacks (RFC 9266)");
    std::string out(32, '\0');
    if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                   exporter_label.data(), exporter_label.size(), nullptr, 0,
                                   0) != 1)
        return make_error(Errc::tls, "cannot export TLS keying material for tls-exporter");
    return out;
}

Result<std::string> unique(SSL* ssl) {
    if (SSL_version(ssl) >= TLS1_3_VERSION)
        return make_error(Errc::tls, "tls-unique is not defined for TLS 1.3 (RFC 8446 §C.5)");
    // The first Finished message of the latest handshake: ours in a full
    // handshake, the server's in a resumed one.
    std::string out(EVP_MAX_MD_SIZE, '\0');
    std::size_t length = SSL_session_reused(ssl)
                             ? SSL_get_peer_finished(ssl, out.data(), out.size())
                             : SSL_get_finished(ssl, out.data(), out.size());
    if (length == 0) return make_error(Errc::tls, "no TLS Finished message for tls-unique");
    out.resize(length);
    return out;
}

Result<std::string> server_end_point(SSL* ssl) {
    X509* certificate = SSL_get0_peer_certificate(ssl);
    if (certificate == nullptr)
        return make_error(Errc::tls, "no server certificate for tls-server-end-point");
    // RFC 5929 §4.1: the certificate's signature hash, but SHA-256 for MD5
    // and SHA-1 (and for signatures without a separate hash, like Ed25519).
    int digest_nid = NID_undef;
    if (X509_get_signature_info(certificate, &digest_nid, nullptr, nullptr, nullptr) != 1)
        digest_nid = NID_undef;
    const EVP_MD* md = digest_nid == NID_undef || digest_nid == NID_md5 || digest_nid == NID_sha1
                           ? EVP_sha256()
                           : EVP_get_digestbynid(digest_nid);
    if (md == nullptr) md = EVP_sha256();
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned length = 0;
    if (X509_digest(certificate, md, reinterpret_cast<unsigned char*>(out.data()), &length) != 1)
        return make_error(Errc::tls, "cannot hash the server certificate for tls-server-end-point");
    out.resize(length);
    return out;
}

}  // namespace

Result<BindingType> parse_binding_type(std::string_view text) {
    if (text == "auto") return BindingType::automatic;
    if (text == "tls-exporter") return BindingType::tls_exporter;
    if (text == "tls-unique") return BindingType::tls_unique;
    if (text == "tls-server-end-point") return BindingType::tls_server_end_point;
    return make_error(Errc::usage, "unknown channel binding type \"" + std::string(text) +
                                       "\" (known: auto, tls-exporter, tls-unique, "
                                       "tls-server-end-point)");
}

std::string_view binding_name(BindingType type) {
    switch (type) {
        case BindingType::automatic:
            return "auto";
        case BindingType::tls_exporter:
            return "tls-exporter";
        case BindingType::tls_unique:
            return "tls-unique";
        case BindingType::tls_server_end_point:
            return "tls-server-end-point";
    }
    return "auto";
}

Result<ChannelBinding> channel_binding(SSL* ssl, BindingType type) {
    if (type == BindingType::automatic)
        type = SSL_version(ssl) >= TLS1_3_VERSION ? BindingType::tls_exporter
                                                  : BindingType::tls_unique;
    Result<std::string> data = type == BindingType::tls_exporter ? exporter(ssl)
                               : type == BindingType::tls_unique ? unique(ssl)
                                                                 : server_end_point(ssl);
    if (!data) return data.error();
    return ChannelBinding{std::string(binding_name(type)), std::move(*data)};
}

}  // namespace odmr::net
