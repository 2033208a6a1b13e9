// One reply to give the provider in the reversed session: a command refused
// before any state changed, or a local peer's own answer to a failed
// delivery (an LMTP or SMTP server's reply, an MDA's exit status in SMTP
// terms). For a delivery failure, code is 4xx, or 5xx only when the failure
// is certain to be permanent.
#pragma once

#include <string>

namespace odmr::mail {

struct Reply {
    int code = 0;
    std::string enhanced;  // "5.1.1" (RFC 3463)
    std::string text;      // one line, printable ASCII
};

}  // namespace odmr::mail
