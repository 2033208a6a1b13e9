#include "sasl/mechanism.h"

#include <algorithm>

#include "sasl/cram_md5.h"
#include "sasl/external.h"
#include "sasl/login.h"
#include "sasl/oauthbearer.h"
#include "sasl/plain.h"
#include "sasl/scram.h"
#include "sasl/xoauth2.h"
#include "util/text.h"

namespace odmr::sasl {
namespace {

// The default order, strongest first; EXTERNAL and the OAuth mechanisms are
// added to it only in the cases described in mechanism.h.
const std::vector<std::string>& default_preference() {
    static const std::vector<std::string> names{"SCRAM-SHA-256-PLUS",
                                                "SCRAM-SHA-1-PLUS",
                                                "SCRAM-SHA-256",
                                                "SCRAM-SHA-1",
                                                "PLAIN",
                                                "LOGIN",
                                                "CRAM-MD5"};
    return names;
}

std::optional<ScramHash> scram_hash(std::string_view name) {
    if (text::istarts_with(name, "SCRAM-SHA-256")) return ScramHash::sha256;
    if (text::istarts_with(name, "SCRAM-SHA-1")) return ScramHash::sha1;
    return std::nullopt;
}

bool is_plus(std::string_view name) {
    return text::upper(name).ends_with("-PLUS");
}

}  // namespace

const std::vector<std::string>& supported_mechanisms() {
    static const std::vector<std::string> names = [] {
        auto all = default_preference();
        all.insert(all.end(), {"EXTERNAL", "XOAUTH2", "OAUTHBEARER"});
        return all;
    }();
    return names;
}

bool is_supported(std::string_view name) {
    const auto& all = supported_mechanisms();
    return std::any_of(all.begin(), all.end(),
                       [&](const std::string& known) { return text::iequals(known, name); });
}

std::string server_said(std::string_view text) {
    return text::printable(text.substr(0, max_server_said));
}

std::string plus_variant(std::string_view name) {
    if (!scram_hash(name) || is_plus(name)) return {};
    return text::upper(name) + "-PLUS";
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials,
                                          const Connection& connection) {
    if (!is_supported(name)) return nullptr;
    if (auto hash = scram_hash(name))
        return std::make_unique<Scram>(*hash, is_plus(name), credentials, connection);
    if (text::iequals(name, "PLAIN")) return std::make_unique<Plain>(credentials);
    if (text::iequals(name, "LOGIN")) return std::make_unique<Login>(credentials);
    if (text::iequals(name, "CRAM-MD5")) return std::make_unique<CramMd5>(credentials);
    if (text::iequals(name, "EXTERNAL")) return std::make_unique<External>(credentials);
    if (text::iequals(name, "XOAUTH2")) return std::make_unique<XOAuth2>(credentials);
    if (text::iequals(name, "OAUTHBEARER")) return std::make_unique<OAuthBearer>(credentials);
    return nullptr;
}

namespace {

// Why `mechanism` may not be used under `choice`; nothing when it may.
std::optional<std::string> reason_to_hold_back(const Mechanism& mechanism, const Choice& choice) {
    std::string_view name = mechanism.name();
    if (is_plus(name) && !choice.channel_binding)
        return choice.tls_active ? "needs channel binding data, which this TLS session lacks"
                                 : "needs TLS for channel binding";
    if (text::iequals(name, "EXTERNAL") && !(choice.tls_active && choice.client_certificate))
        return "needs TLS with a client certificate (--tls-cert)";
    if (mechanism.reveals_password() && !choice.tls_active && !choice.allow_plaintext)
        return "would send the password in clear text without TLS (see --allow-plaintext-auth)";
    bool named = std::any_of(choice.preference.begin(), choice.preference.end(),
                             [&](const std::string& p) { return text::iequals(p, name); });
    if (text::iequals(name, "CRAM-MD5") && choice.tls_stripped && !choice.tls_active && !named)
        return std::string(
            "without TLS would give whoever removed STARTTLS a response to attack offline "
            "(name it in --auth to allow it anyway)");
    return std::nullopt;
}

}  // namespace

Result<std::string> choose_mechanism(const std::vector<std::string>& offered,
                                     const Choice& choice) {
    std::vector<std::string> preference = choice.preference;
    if (preference.empty()) {
        if (choice.client_certificate) preference.emplace_back("EXTERNAL");
        const auto& defaults = default_preference();
        preference.insert(preference.end(), defaults.begin(), defaults.end());
    }
    auto is_offered = [&](const std::string& name) {
        return std::any_of(offered.begin(), offered.end(),
                           [&](const std::string& o) { return text::iequals(o, name); });
    };
    std::string held_back;
    for (const auto& name : preference) {
        if (!is_offered(name)) continue;
        auto mechanism = make_mechanism(name, {});
        if (!mechanism) continue;  // a name we do not implement
        auto why = reason_to_hold_back(*mechanism, choice);
        if (!why) return text::upper(name);
        held_back += (held_back.empty() ? "" : "; ") + text::upper(name) + " " + *why;
    }
    std::string offered_list;
    for (const auto& o : offered) offered_list += (offered_list.empty() ? "" : " ") + o;
    if (offered_list.empty()) offered_list = "none";
    std::string message =
        "no usable authentication mechanism (provider offers: " + offered_list + ")";
    if (!held_back.empty()) message += "; " + held_back;
    return make_error(Errc::auth_unavailable, message);
}

}  // namespace odmr::sasl
