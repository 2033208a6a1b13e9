#include "util/idn.h"

#include <idn2.h>

#include <algorithm>
#include <memory>

#include "util/text.h"

namespace odmr::idn {
namespace {

struct Idn2Free {
    void operator()(char* p) const { idn2_free(p); }
};

bool needs_idna(std::string_view domain) {
    bool non_ascii = std::any_of(domain.begin(), domain.end(),
                                 [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (non_ascii) return true;
    for (const auto& label : text::split(domain, '.'))
        if (text::istarts_with(label, "xn--")) return true;
    return false;
}

}  // namespace

Result<std::string> to_ascii(std::string_view domain) {
    if (domain.empty()) return make_error(Errc::protocol, "empty domain");
    if (!needs_idna(domain)) return text::lower(domain);
    if (domain.find('\0') != std::string_view::npos)
        return make_error(Errc::protocol, "NUL in a domain");
    std::string input(domain);
    char* output = nullptr;
    int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, Idn2Free> owned(output);
    if (rc != IDN2_OK || owned == nullptr)
        return make_error(
            Errc::protocol,
            std::string("not a valid internationalised domain name (") + idn2_strerror(rc) + ")");
    return text::lower(owned.get());
}

}  // namespace odmr::idn
