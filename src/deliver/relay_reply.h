// What the provider is told when the local LMTP or SMTP server (relay_sink)
// refuses: the peer's reply, which is input we do not control, made into
// ours. 5xx passes on as permanent only where it is certain to be (RCPT, end
// of data; not "mailbox full"); anything unsure is 4xx, never 421. The text
// is printable and bounded, the enhanced code (RFC 3463) kept when valid.
#pragma once

#include "mail/reply.h"
#include "smtp/reply.h"

namespace odmr::deliver {

// A reply as the provider should get it; `permanent_allowed` says whether a
// 5xx at this step is certain to be permanent (RCPT, end of data).
mail::Reply relay_reply(const smtp::Reply& reply, bool permanent_allowed);

}  // namespace odmr::deliver
