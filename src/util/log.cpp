#include "util/log.h"

#include <string>

#include "util/hex.h"

namespace odmr {

void append_printable(std::string& out, std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            hex::append(out, u);
        } else {
            out += c;
        }
    }
}

void Log::emit(int min_level, std::string_view prefix, std::string_view text) const {
    if (level_ < min_level || out_ == nullptr) return;
    std::string line = "odmr-fetch: ";
    line += prefix;
    append_printable(line, text);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
}

}  // namespace odmr
