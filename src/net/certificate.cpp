#include "net/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "util/hex.h"
#include "util/text.h"

namespace odmr::net {
namespace {

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string drain(BIO* bio) {
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::string name_text(const X509_NAME* name) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return drain(bio.get());
}

std::string time_text(const ASN1_TIME* when) {
    struct tm parts {};
    if (ASN1_TIME_to_tm(when, &parts) != 1) return "(unreadable)";
    char out[32];
    if (std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S UTC", &parts) == 0) return "(unreadable)";
    return out;
}

std::string alt_names_text(X509* certificate) {
    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) return {};
    std::string out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        std::string item;
        if (name->type == GEN_DNS) {
            const ASN1_STRING* dns = name->d.dNSName;
            item = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                        static_cast<std::size_t>(ASN1_STRING_length(dns)));
        } else if (name->type == GEN_IPADD) {
            std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
            GENERAL_NAME_print(bio.get(), name);
            item = drain(bio.get());
            if (item.starts_with("IP Address:")) item = "IP:" + item.substr(11);
        } else {
            continue;
        }
        out += (out.empty() ? "" : ", ") + item;
    }
    GENERAL_NAMES_free(names);
    return out;
}

Result<Fingerprint> parse_pin(std::string_view text) {
    std::string_view item = text::trim(text);
    if (!text::istarts_with(item, "sha256:"))
        return make_error(Errc::usage, "--tls-fingerprint: \"" + std::string(item) +
                                           "\" must start with sha256: (SHA-256 is the only "
                                           "fingerprint accepted)");
    std::string digits;
    for (char c : item.substr(7))
        if (c != ':') digits += c;
    Fingerprint out{};
    bool valid = digits.size() == 2 * out.size();
    for (std::size_t i = 0; valid && i < out.size(); ++i) {
        int byte = hex::byte_value(std::string_view(digits).substr(2 * i, 2));
        valid = byte >= 0;
        out[i] = static_cast<unsigned char>(valid ? byte : 0);
    }
    if (!valid)
        return make_error(Errc::usage, "--tls-fingerprint: \"" + std::string(item) +
                                           "\" is not sha256: followed by 64 hex digits");
    return out;
}

}  // namespace

Result<std::vector<Fingerprint>> parse_pins(std::string_view text) {
    std::vector<Fingerprint> pins;
    for (const auto& item : text::split(text, ',')) {
        if (text::trim(item).empty()) continue;
        auto pin = parse_pin(item);
        if (!pin) return pin.error();
        pins.push_back(*pin);
    }
    return pins;
}

Fingerprint certificate_fingerprint(X509* certificate) {
    Fingerprint out{};
    unsigned length = 0;
    X509_digest(certificate, EVP_sha256(), out.data(), &length);
    return out;
}

Fingerprint public_key_fingerprint(X509* certificate) {
    Fingerprint out{};
    unsigned length = 0;
    X509_pubkey_digest(certificate, EVP_sha256(), out.data(), &length);
    return out;
}

std::string format_fingerprint(const Fingerprint& fingerprint) {
    std::string out;
    for (unsigned char byte : fingerprint) {
        if (!out.empty()) out += ':';
        hex::append(out, byte, hex::Letters::upper);
    }
    return out;
}

bool matches_pin(X509* certificate, const std::vector<Fingerprint>& pins) {
    auto whole = certificate_fingerprint(certificate);
    auto key = public_key_fingerprint(certificate);
    for (const auto& pin : pins)
        if (pin == whole || pin == key) return true;
    return false;
}

CertificateInfo describe_certificate(X509* certificate) {
    return {name_text(X509_get_subject_name(certificate)),
            name_text(X509_get_issuer_name(certificate)),
            time_text(X509_get0_notBefore(certificate)),
            time_text(X509_get0_notAfter(certificate)),
            alt_names_text(certificate),
            format_fingerprint(certificate_fingerprint(certificate)),
            format_fingerprint(public_key_fingerprint(certificate))};
}

std::string pin_hint(X509* certificate) {
    auto info = describe_certificate(certificate);
    return "the provider's certificate is \"" + info.subject + "\", issued by \"" + info.issuer +
           "\", SHA-256 fingerprint " + info.sha256 +
           "; if you have checked that this is your provider's certificate, you may trust it "
           "with --tls-fingerprint sha256:" +
           info.sha256;
}

}  // namespace odmr::net
