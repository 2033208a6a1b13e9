// libFuzzer target: the reversed session's command parsing (verb, MAIL/RCPT
// paths, ESMTP parameters, BDAT's argument) on arbitrary provider input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "mail/address.h"
#include "smtp/command.h"
#include "smtp/params.h"

using namespace odmr::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    Command command = parse_command(line);
    if (command.argument.size() > line.size()) std::abort();
    for (bool allow_null : {true, false}) {
        for (std::string_view prefix : {"FROM:", "TO:"}) {
            auto parsed = parse_path_argument(command.argument, prefix, allow_null);
            if (!parsed) continue;
            if (!allow_null && parsed->address.empty()) std::abort();
            if (!parsed->address.empty() && odmr::mail::domain_of(parsed->address).empty())
                std::abort();
            auto mail = check_mail_params(parsed->params);
            if (auto* params = std::get_if<MailParams>(&mail);
                params && params->size && parsed->params.empty())
                std::abort();
            (void)check_rcpt_params(parsed->params);
        }
    }
    if (auto bdat = parse_bdat(command.argument); bdat && command.argument.empty()) std::abort();
    (void)is_utf8(line);
    (void)is_xtext(line);
    return 0;
}
