#include "deliver/line_ends.h"

#include <cstring>

namespace odmr::deliver {

void CrlfToLf::convert(std::span<const char> in, std::string& out) {
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
            pending_cr_ = true;  // decide when the next chunk shows what follows
            return;
        }
        if (cr[1] != '\n') out += '\r';
        p = cr + 1;
    }
}

void CrlfToLf::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace odmr::deliver
