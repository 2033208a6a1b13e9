// Which recipients the customer takes at all, before any sink is asked:
// those in the domains requested with ATRN (DESIGN.md rule 3), and, toward
// a sink that relays (mda:, lmtp:, smtp:, handoff:), none whose local part
// routes elsewhere (mail::is_routing_address). One check for the built-in
// server and the handoff bridge, so the two can never disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/reply.h"

namespace odmr::smtp {

struct RecipientRefusal {
    mail::Reply reply;
    std::string_view why;  // for the log
};

// Compares the recipient's domain as an A-label (util/idn) with each domain.
bool in_domains(std::string_view address, const std::vector<std::string>& domains);

// A refusal for `address`, or nothing to let it through. `domains` are
// A-labels (app/account); `refuse_routing` is on for the relaying sinks
// unless --allow-routing-addresses, off for Maildir, whose names are safe
// paths (deliver/safe_path).
std::optional<RecipientRefusal> recipient_refusal(std::string_view address,
                                                  const std::vector<std::string>& domains,
                                                  bool refuse_routing);

}  // namespace odmr::smtp
