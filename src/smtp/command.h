// Commands as the reversed-role server reads them (RFC 5321 §4.1): the verb,
// and for MAIL/RCPT the path and its ESMTP parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::smtp {

enum class Verb {
    helo,
    ehlo,
    mail,
    rcpt,
    data,
    bdat,
    rset,
    noop,
    quit,
    vrfy,
    expn,
    help,
    starttls,
    auth,
    unknown
};

struct Command {
    Verb verb = Verb::unknown;
    std::string_view argument;  // text after the verb and one space, trimmed
};

Command parse_command(std::string_view line);

struct Parameter {
    std::string keyword;  // upper-cased
    std::string value;    // empty when the parameter has no "=value"
};

struct PathArgument {
    std::string address;  // "local@domain", or empty for the null path <>
    std::vector<Parameter> params;
};

// Parses "FROM:<path> params" (prefix "FROM:") or "TO:<path> params".
// The null path is accepted only when `allow_null`.
Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view prefix,
                                         bool allow_null);


}  // namespace odmr::smtp
