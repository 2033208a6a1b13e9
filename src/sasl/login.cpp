#include "sasl/login.h"

namespace odmr::sasl {

Result<std::string> Login::respond(std::string_view /*challenge ("Username:", "Password:")*/) {
    switch (step_++) {
        case 0:
            return credentials_.authcid;
        case 1: {
            std::string out;
            if (credentials_.password != nullptr)
                credentials_.password->with([&](std::string_view password) { out = password; });
            return out;
        }
        default:
            return make_error(Errc::protocol, "unexpected third challenge during LOGIN");
    }
}

}  // namespace odmr::sasl
