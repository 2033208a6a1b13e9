#include "sasl/cram_md5.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/hex.h"

namespace odmr::sasl {

Result<std::string> CramMd5::respond(std::string_view challenge) {
    if (answered_) return make_error(Errc::protocol, "unexpected second challenge during CRAM-MD5");
    if (challenge.empty()) return make_error(Errc::protocol, "empty CRAM-MD5 challenge");
    answered_ = true;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    bool ok = false;
    if (credentials_.password != nullptr) {
        credentials_.password->with([&](std::string_view password) {
            ok = HMAC(EVP_md5(), password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(),
                      digest, &length) != nullptr;
        });
    }
    if (!ok) return make_error(Errc::software, "HMAC-MD5 failed");
    std::string out = credentials_.authcid + ' ';
    for (unsigned i = 0; i < length; ++i) hex::append(out, digest[i]);
    return out;
}

}  // namespace odmr::sasl
