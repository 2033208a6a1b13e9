#include "deliver/line_ends.h"

#include <cstring>

namespace odmr::deliver {

// memchr finds each CR, so the common case (a whole line without CR but its
// last) costs one bulk append per line, not a branch per byte.
void LfConverter::convert(std::span<const char> in, std::string& out) {
    const char* p = in.data();
    const char* end = p + in.size();
    if (pending_cr_ && p < end) {
        pending_cr_ = false;
        if (*p != '\n') out += '\r';
    }
    while (p < end) {
        const auto* cr =
            static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
        if (cr == nullptr) {
            out.append(p, end);
            return;
        }
        out.append(p, cr);
        if (cr + 1 == end) {
            pending_cr_ = true;  // decided by the next chunk's first byte
            return;
        }
        if (cr[1] != '\n') out += '\r';
        p = cr + 1;
    }
}

void LfConverter::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace odmr::deliver
