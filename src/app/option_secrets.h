// Which option values hold a secret, and how they are shown without it: a
// SOCKS5 proxy URL may carry a password ("socks5://user:PASSWORD@host").
#pragma once

#include <string>
#include <string_view>

namespace odmr::app {

// True for a proxy URL with a password in it.
bool holds_secret(std::string_view key, std::string_view value);

// The value with any password replaced by "<hidden>".
std::string hide_secret(std::string_view key, std::string_view value);

}  // namespace odmr::app
