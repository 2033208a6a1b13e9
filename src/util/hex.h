// Hexadecimal digits: a byte written as two of them (log escapes, percent
// escapes, fingerprints, CRAM-MD5 digests) and read back.
#pragma once

#include <string>
#include <string_view>

namespace odmr::hex {

enum class Letters { lower, upper };

// Appends the two hex digits of `byte`, high nibble first.
void append(std::string& out, unsigned char byte, Letters letters = Letters::lower);
// The value of one hex digit (either case), or -1.
int digit_value(char c);
// The byte that two hex digits (either case) stand for, or -1 unless `two`
// is exactly two hex digits.
int byte_value(std::string_view two);

}  // namespace odmr::hex
