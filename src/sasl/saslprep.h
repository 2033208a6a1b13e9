// SASLprep (RFC 4013), the string preparation SCRAM applies to user names
// and passwords (RFC 5802 §2.2, as "query" strings: unassigned code points
// allowed). Printable ASCII is its own SASLprep and never leaves this file;
// anything else goes through GNU Libidn's stringprep. A string that cannot be
// prepared (invalid UTF-8, a prohibited character such as a control
// character, a bidirectional-text violation) is an error that says so,
// never a silently different string.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr::sasl {

// `what` names the string in the error ("user name", "password"); the
// string itself never appears in an error. The result may be a secret:
// callers wipe it.
Result<std::string> saslprep(std::string_view input, std::string_view what);

}  // namespace odmr::sasl
