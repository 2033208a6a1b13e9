// Internationalised domain names, reduced to one spelling for comparing. A
// domain may arrive as U-labels ("bücher.example": from the user, or in an
// SMTPUTF8 recipient) or as A-labels ("xn--bcher-kva.example"); both become
// the same lower-case A-labels. IDNA2008 with the UTS #46 mapping,
// non-transitional (as GNU Libidn2 and Exim do it), so "straße" stays
// "xn--strae-oqa" and is not folded into "strasse".
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr::idn {

// The lower-case A-label form of `domain`. ASCII without "xn--" labels is
// only lower-cased (no other check); anything else must be a valid IDN
// (well-formed UTF-8, permitted code points, "xn--" labels that decode and
// encode back to themselves), or it is Errc::protocol naming why not.
Result<std::string> to_ascii(std::string_view domain);

}  // namespace odmr::idn
