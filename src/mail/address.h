// The two parts of a mailbox address "local@domain" (RFC 5321 §4.1.2). The
// local part may itself contain '@' when quoted, so the domain starts after
// the last one.
#pragma once

#include <string_view>

namespace odmr::mail {

// The domain of "local@domain" (after the last '@'), or empty.
std::string_view domain_of(std::string_view address);
// The text before the last '@'; the whole address when there is none.
std::string_view local_part_of(std::string_view address);

// True when the local part names another destination that a relaying MTA
// may honour: the percent hack ("v%victim.test@example.org"), a UUCP bang
// path ("victim.test!v@example.org"), or an '@' inside the local part,
// quoted or not ("\"v@victim.test\"@example.org", "v@victim.test@example.org").
// Such an address passes the domain check but may leave the customer's
// domains once a local MTA rewrites it.
bool is_routing_address(std::string_view address);

// True when the local part starts with '-' (after an opening quote too):
// given to a program as an argument, it would read as an option.
bool local_part_is_option_like(std::string_view address);

}  // namespace odmr::mail
