// The "saslname" of GS2 headers (RFC 5801 §4), used by SCRAM and
// OAUTHBEARER: a user name with "=" and "," written as =3D and =2C.
#pragma once

#include <string>
#include <string_view>

namespace odmr::sasl {

std::string saslname(std::string_view name);

}  // namespace odmr::sasl
