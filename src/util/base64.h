// Base64 (RFC 4648, with padding) as SASL uses it, through libsodium.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr::base64 {

std::string encode(std::string_view bytes);
// Nothing on malformed input.
std::optional<std::string> decode(std::string_view text);

}  // namespace odmr::base64
