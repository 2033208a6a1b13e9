#include "util/hex.h"

namespace odmr::hex {

void append(std::string& out, unsigned char byte, Letters letters) {
    const char* digits = letters == Letters::upper ? "0123456789ABCDEF" : "0123456789abcdef";
    out += digits[byte >> 4];
    out += digits[byte & 15];
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int byte_value(std::string_view two) {
    if (two.size() != 2) return -1;
    int high = digit_value(two[0]), low = digit_value(two[1]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

}  // namespace odmr::hex
