// The SOCKS5 proxy's replies (RFC 1928 §6, RFC 1929 §2) read on their own,
// without a socket, so that they can be tested and fuzzed: what the proxy
// says is input we do not control. Each reply code becomes an error that
// says what it means.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr::net::socks5 {

// An error about the proxy ("SOCKS5 proxy: ...").
Error proxy_error(Errc code, const std::string& what);

// The proxy's 2-octet answer to our greeting: true when it chose user name
// and password, false for no authentication, an error when it chose
// something we did not offer.
Result<bool> method_reply(std::string_view reply, bool with_password);

// The proxy's 2-octet answer to our user name and password.
Status password_reply(std::string_view reply);

// Octets of the reply still to read after its first 5 (VER REP RSV ATYP and
// the first address octet); an error for a reply that is not SOCKS5.
Result<std::size_t> reply_remainder(std::string_view first_five);

// The first 5 octets of the answer to CONNECT: the octets still to read, or
// the proxy's refusal (reply_error) or a reply that is not SOCKS5.
Result<std::size_t> connect_reply(std::string_view first_five, const std::string& target);

Error reply_error(unsigned char code, const std::string& target);

}  // namespace odmr::net::socks5
