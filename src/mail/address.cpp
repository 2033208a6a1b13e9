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

}  // namespace odmr::mail
