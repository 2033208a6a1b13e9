#include "smtp/recipient_policy.h"

#include <algorithm>

#include "mail/address.h"
#include "util/idn.h"
#include "util/text.h"

namespace odmr::smtp {

namespace {

// A domain that idn::to_ascii() would only lower-case: ASCII, no "xn--"
// label. Compared as it is, without the copy.
bool plain_ascii(std::string_view domain) {
    if (domain.empty()) return false;
    for (std::size_t i = 0; i < domain.size(); ++i) {
        if (static_cast<unsigned char>(domain[i]) >= 0x80) return false;
        if ((i == 0 || domain[i - 1] == '.') && text::istarts_with(domain.substr(i), "xn--"))
            return false;
    }
    return true;
}

}  // namespace

bool in_domains(std::string_view address, const std::vector<std::string>& domains) {
    std::string_view plain = mail::domain_of(address);
    if (plain_ascii(plain))
        return std::any_of(domains.begin(), domains.end(),
                           [&](const std::string& d) { return text::iequals(d, plain); });
    auto domain = idn::to_ascii(plain);
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
