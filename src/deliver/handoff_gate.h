// What the handoff bridge lets through to the local MTA (issue 12, item 3):
// without it the bridge is an open relay, since a local MTA that trusts
// localhost relays any RCPT. Each RCPT is checked as the built-in server
// checks it (smtp/recipient_policy: the ATRN domains, IDN-normalised, and
// routing addresses toward a relaying sink); a refused one never reaches
// the MTA (smtp::SessionObserver replaces it with NOOP and answers 550).
#pragma once

#include <string>
#include <vector>

#include "smtp/refusal_log.h"
#include "smtp/session_observer.h"

namespace odmr::deliver {

struct HandoffRecipients {
    std::vector<std::string> domains;  // A-labels
    bool refuse_routing = true;        // false with --allow-routing-addresses
};

// The gate for the bridge's observer: 501 5.5.4 for an RCPT we cannot
// parse (never pass on what we did not check), 550 5.7.1 for a source
// route ("<@relay:v@example.org>", unless routing is allowed) and for what
// smtp::recipient_refusal refuses. Refusals are logged to `refusals`.
smtp::SessionObserver::Gate recipient_gate(HandoffRecipients rules, smtp::RefusalLog& refusals);

}  // namespace odmr::deliver
