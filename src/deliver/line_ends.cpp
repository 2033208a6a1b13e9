#include "deliver/line_ends.h"

namespace odmr::deliver {

void LfConverter::convert(std::span<const char> in, std::string& out) {
    for (char c : in) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c != '\n') out += '\r';
        }
        if (c == '\r') {
            pending_cr_ = true;
            continue;
        }
        out += c;
    }
}

void LfConverter::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace odmr::deliver
