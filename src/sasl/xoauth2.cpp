#include "sasl/xoauth2.h"

namespace odmr::sasl {

Result<std::optional<std::string>> XOAuth2::initial_response() {
    if (credentials_.password == nullptr)
        return make_error(Errc::software, "XOAUTH2 without a token");
    step_ = 1;
    std::string out = "user=" + credentials_.authcid + "\x01" + "auth=Bearer ";
    credentials_.password->with([&](std::string_view token) { out += token; });
    out += "\x01\x01";
    return std::optional<std::string>(std::move(out));
}

Result<std::string> XOAuth2::respond(std::string_view challenge) {
    if (step_ == 0 && challenge.empty()) {
        auto first = initial_response();
        if (!first) return first.error();
        return std::move(**first);
    }
    if (step_ == 1) {  // the error report: acknowledge it, the server then says 535 or 454
        step_ = 2;
        diagnostic_ = server_said(challenge);
        return std::string();
    }
    return make_error(Errc::protocol, "unexpected challenge during XOAUTH2 authentication");
}

}  // namespace odmr::sasl
