#include "mail/address.h"

namespace odmr::mail {

std::string_view domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

std::string_view local_part_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? address : address.substr(0, at);
}

bool is_routing_address(std::string_view address) {
    // Quotes and backslashes are looked through on purpose: an MTA that
    // dequotes the local part sees the same characters.
    return local_part_of(address).find_first_of("%!@") != std::string_view::npos;
}

bool local_part_is_option_like(std::string_view address) {
    std::string_view local = local_part_of(address);
    while (!local.empty() && (local.front() == '"' || local.front() == '\\'))
        local.remove_prefix(1);
    return local.starts_with('-');
}

}  // namespace odmr::mail
