#include "sasl/gs2.h"

namespace odmr::sasl {

std::string saslname(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c == '=')
            out += "=3D";
        else if (c == ',')
            out += "=2C";
        else
            out += c;
    }
    return out;
}

}  // namespace odmr::sasl
