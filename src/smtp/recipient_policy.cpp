#include "smtp/recipient_policy.h"

#include <algorithm>

#include "mail/address.h"
#include "util/idn.h"
#include "util/text.h"

namespace odmr::smtp {

bool in_domains(std::string_view address, const std::vector<std::string>& domains) {
    auto domain = idn::to_ascii(mail::domain_of(address));
    return domain && std::any_of(domains.begin(), domains.end(),
                                 [&](const std::string& d) { return text::iequals(d, *domain); });
}

std::optional<RecipientRefusal> recipient_refusal(std::string_view address,
                                                  const std::vector<std::string>& domains,
                                                  bool refuse_routing) {
    if (!in_domains(address, domains))
        return RecipientRefusal{{550, "5.7.1", "Relaying denied: not a domain of this customer"},
                                "not in the requested domains"};
    // 550 5.7.1, not 553 5.1.3: the syntax is valid (RFC 5321 allows '%' and
    // '!'; '@' when quoted), it is the relaying that is refused.
    if (refuse_routing && mail::is_routing_address(address))
        return RecipientRefusal{
            {550, "5.7.1", "Relaying denied: routing address ('%', '!' or '@' in local part)"},
            "a routing address (see --allow-routing-addresses)"};
    return std::nullopt;
}

}  // namespace odmr::smtp
