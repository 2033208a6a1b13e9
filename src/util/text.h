// ASCII text helpers shared by the protocol layers (never locale-dependent).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace odmr::text {

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline char to_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}
inline char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

std::string upper(std::string_view s);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
// Splits on runs of spaces and tabs.
std::vector<std::string> split_words(std::string_view s);
std::vector<std::string> split(std::string_view s, char separator);
std::string_view trim(std::string_view s);
// `s` with every octet that is not printable ASCII (control characters,
// DEL, 8-bit) replaced by '?': a peer's text made fit for a reply or a log.
std::string printable(std::string_view s);

}  // namespace odmr::text
