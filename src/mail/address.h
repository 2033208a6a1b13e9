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

}  // namespace odmr::mail
