#include "sasl/plain.h"

namespace odmr::sasl {

Result<std::optional<std::string>> Plain::initial_response() {
    sent_ = true;
    std::string out;
    out += '\0';
    out += credentials_.authcid;
    out += '\0';
    if (credentials_.password != nullptr)
        credentials_.password->with([&](std::string_view password) { out += password; });
    return std::optional<std::string>(std::move(out));
}

Result<std::string> Plain::respond(std::string_view challenge) {
    // A server that ignores the initial response sends an empty challenge.
    if (!sent_ && challenge.empty()) {
        auto initial = initial_response();
        return std::move(**initial);
    }
    return make_error(Errc::protocol, "unexpected challenge during PLAIN authentication");
}

}  // namespace odmr::sasl
