#include "sasl/oauthbearer.h"

#include "sasl/gs2.h"

namespace odmr::sasl {
Result<std::optional<std::string>> OAuthBearer::initial_response() {
    if (credentials_.password == nullptr)
        return make_error(Errc::software, "OAUTHBEARER without a token");
    step_ = 1;
    std::string out = "n,a=" + saslname(credentials_.authcid) + ",\x01" + "auth=Bearer ";
    credentials_.password->with([&](std::string_view token) { out += token; });
    out += "\x01\x01";
    return std::optional<std::string>(std::move(out));
}

Result<std::string> OAuthBearer::respond(std::string_view challenge) {
    if (step_ == 0 && challenge.empty()) {
        auto first = initial_response();
        if (!first) return first.error();
        return std::move(**first);
    }
    if (step_ == 1) {  // the error report: RFC 7628 §3.2.3 wants a lone %x01 back
        step_ = 2;
        diagnostic_ = server_said(challenge);
        return std::string("\x01");
    }
    return make_error(Errc::protocol, "unexpected challenge during OAUTHBEARER authentication");
}

}  // namespace odmr::sasl
