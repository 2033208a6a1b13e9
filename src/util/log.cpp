#include "util/log.h"

#include <string>

#include "util/hex.h"

namespace odmr {

void Log::emit(int min_level, std::string_view prefix, std::string_view text) const {
    if (level_ < min_level || out_ == nullptr) return;
    std::string line = "odmr-fetch: ";
    line += prefix;
    // Never let a peer's bytes drive the terminal: show control characters.
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            line += "\\x";
            hex::append(line, u);
        } else {
            line += c;
        }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
}

}  // namespace odmr
