#include "sasl/external.h"

namespace odmr::sasl {

Result<std::optional<std::string>> External::initial_response() {
    sent_ = true;
    return std::optional<std::string>(authzid_);
}

Result<std::string> External::respond(std::string_view challenge) {
    // A server that ignores the initial response sends an empty challenge.
    if (!sent_ && challenge.empty()) {
        sent_ = true;
        return authzid_;
    }
    return make_error(Errc::protocol, "unexpected challenge during EXTERNAL authentication");
}

}  // namespace odmr::sasl
