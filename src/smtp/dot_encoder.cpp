#include "smtp/dot_encoder.h"

namespace odmr::smtp {

void DotEncoder::encode(std::span<const char> in, std::string& out) {
    for (char c : in) {
        if (c == '\n' && !previous_cr_) out += '\r';
        if (line_start_ && c == '.') out += '.';
        out += c;
        line_start_ = c == '\n';
        previous_cr_ = c == '\r';
    }
}

void DotEncoder::finish(std::string& out) {
    if (!line_start_) out += previous_cr_ ? "\n" : "\r\n";
    out += ".\r\n";
    reset();
}

void DotEncoder::reset() {
    line_start_ = true;
    previous_cr_ = false;
}

}  // namespace odmr::smtp
