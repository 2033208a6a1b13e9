// ESMTP parameters of MAIL and RCPT, checked: SIZE (RFC 1870), BODY
// (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), and the DSN parameters RET,
// ENVID, NOTIFY and ORCPT (RFC 3461), which we accept and, being the final
// delivery, have nothing to relay to. Also BDAT's argument (RFC 3030).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mail/envelope.h"
#include "mail/reply.h"
#include "smtp/command.h"

namespace odmr::smtp {

struct MailParams {
    std::optional<std::size_t> size;
    mail::BodyType body = mail::BodyType::seven_bit;
    bool smtputf8 = false;
};

struct RcptParams {
    std::string notify;
    std::string orcpt;
};

// A refusal is a reply for the command, given before any state changes.
std::variant<MailParams, mail::Reply> check_mail_params(const std::vector<Parameter>& params);
std::variant<RcptParams, mail::Reply> check_rcpt_params(const std::vector<Parameter>& params);

// RFC 3461 xtext: printable ASCII except '+' and '=', and "+XX" escapes.
bool is_xtext(std::string_view text);
// Well-formed UTF-8 (no overlongs, no surrogates), at most U+10FFFF.
bool is_utf8(std::string_view text);
bool is_ascii(std::string_view text);

struct BdatArgs {
    std::size_t size = 0;
    bool last = false;
};
// "n" or "n LAST"; nothing when malformed.
std::optional<BdatArgs> parse_bdat(std::string_view argument);

}  // namespace odmr::smtp
