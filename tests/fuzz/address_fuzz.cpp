// libFuzzer target: MAIL/RCPT paths with quoted local parts, source routes
// and parameters, as the provider sends them, then the address's parts and
// the domain check (IDN A-labels). The properties that matter: no control
// character survives into an accepted address (it would become a header
// line in Return-Path: or Delivered-To:), local@domain splits back into the
// address, and the domain check agrees with itself on either spelling.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/address.h"
#include "smtp/command.h"
#include "util/idn.h"
#include "util/text.h"

using namespace odmr;

namespace {

bool has_control(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    return false;
}

void check_domain(std::string_view domain) {
    auto ascii = idn::to_ascii(domain);
    if (!ascii) return;
    // What the configured domains are reduced to must reduce to itself, in
    // any case: otherwise a domain could refuse its own spelling.
    if (has_control(*ascii) || *ascii != text::lower(*ascii)) std::abort();
    auto again = idn::to_ascii(*ascii);
    if (!again || *again != *ascii) std::abort();
    auto upper = idn::to_ascii(text::upper(*ascii));
    if (!upper || *upper != *ascii) std::abort();
}

void check_address(const std::string& address, bool allow_null) {
    if (address.empty()) {
        if (!allow_null) std::abort();
        return;
    }
    if (has_control(address)) std::abort();
    auto local = mail::local_part_of(address);
    auto domain = mail::domain_of(address);
    if (local.empty() || domain.empty() || domain.find('@') != std::string_view::npos) std::abort();
    if (std::string(local) + "@" + std::string(domain) != address) std::abort();
    check_domain(domain);
}

void parse(std::string_view argument, std::string_view prefix, bool allow_null) {
    auto parsed = smtp::parse_path_argument(argument, prefix, allow_null);
    if (!parsed) return;
    check_address(parsed->address, allow_null);
    for (const auto& param : parsed->params)
        if (param.keyword.empty() || param.keyword != text::upper(param.keyword)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    parse(input, "FROM:", true);
    parse(input, "TO:", false);
    // The input as the inside of a path, so that every byte reaches the
    // quoted-string and quoted-pair handling.
    std::string wrapped = "TO:<" + std::string(input) + "> SIZE=1";
    parse(wrapped, "TO:", false);
    return 0;
}
