#include "sasl/mechanism.h"

#include <algorithm>

#include "sasl/cram_md5.h"
#include "sasl/login.h"
#include "sasl/plain.h"
#include "util/text.h"

namespace odmr::sasl {

const std::vector<std::string>& supported_mechanisms() {
    static const std::vector<std::string> names{"PLAIN", "LOGIN", "CRAM-MD5"};
    return names;
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials) {
    if (text::iequals(name, "PLAIN")) return std::make_unique<Plain>(credentials);
    if (text::iequals(name, "LOGIN")) return std::make_unique<Login>(credentials);
    if (text::iequals(name, "CRAM-MD5")) return std::make_unique<CramMd5>(credentials);
    return nullptr;
}

Result<std::string> choose_mechanism(const std::vector<std::string>& offered,
                                     const Choice& choice) {
    const auto& preference = choice.preference.empty() ? supported_mechanisms() : choice.preference;
    auto is_offered = [&](const std::string& name) {
        return std::any_of(offered.begin(), offered.end(),
                           [&](const std::string& o) { return text::iequals(o, name); });
    };
    std::string held_back;
    for (const auto& name : preference) {
        if (!is_offered(name)) continue;
        auto mechanism = make_mechanism(name, {});
        if (!mechanism) continue;
        if (mechanism->reveals_password() && !choice.tls_active && !choice.allow_plaintext) {
            held_back = name;
            continue;
        }
        return text::upper(name);
    }
    std::string offered_list;
    for (const auto& o : offered) offered_list += (offered_list.empty() ? "" : " ") + o;
    if (offered_list.empty()) offered_list = "none";
    std::string why = "no usable authentication mechanism (provider offers: " + offered_list + ")";
    if (!held_back.empty())
        why += "; " + held_back +
               " would send the password in clear text without TLS (see --allow-plaintext-auth)";
    return make_error(Errc::auth_unavailable, why);
}

}  // namespace odmr::sasl
