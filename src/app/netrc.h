// ~/.netrc, as ftp(1), curl and fetchmail read it: "machine HOST login USER
// password SECRET" entries, a "default" entry for any other host, "account"
// ignored, "macdef" bodies skipped (to the next empty line). Tokens are
// separated by blanks and newlines; a token may be "quoted" (with \" and \\).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/secret.h"

namespace odmr::app {

struct NetrcEntry {
    std::string login;  // may be empty
    Secret password;    // may be empty (an entry with a login only)
};

// The entry for `machine` (compared without case) whose login is `login`,
// or, with an empty `login`, the first entry for `machine`; else the
// "default" entry under the same rule; else nothing.
std::optional<NetrcEntry> find_netrc_entry(std::string_view text, std::string_view machine,
                                           std::string_view login);

}  // namespace odmr::app
