// Opening the directories of a Maildir path without following a symbolic
// link that someone else could have put there: the defence against a local
// user who owns part of a routed path (maildir:/srv/mail/{domain}/{local})
// and swaps a component for a link to a place only we (root) may write.
//
// The walk starts at the directory the configuration names — the part of
// the pattern before its first placeholder, or the parent of a fixed path —
// opened as given (the administrator chose it). Every further component is
// opened with openat(O_NOFOLLOW | O_DIRECTORY) relative to the one before,
// so nothing can be swapped between a check and its use. A symbolic link
// there is followed only when it belongs to us or to root (we made it);
// any other is refused. A directory the walk creates (mode 0700) belongs,
// when we run as root, to the owner of the directory it is made in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

struct TrustedPath {
    std::string start;               // opened as given
    std::vector<std::string> below;  // opened one at a time, links refused

    std::string full() const;  // for messages
};

// Splits `path`, expanded from `pattern`, where the walk must begin.
TrustedPath split_trusted(std::string_view pattern, std::string_view path);

struct Walk {
    UniqueFd dir;                  // the deepest directory reached
    std::size_t reached = 0;       // components of `below` opened
    std::optional<Error> refused;  // the walk stopped at a link someone else placed
};

// Opens as much of `path` as exists. A missing component or a refused link
// ends the walk early (reached < below.size()); any other failure is an
// error.
Result<Walk> walk_existing(const TrustedPath& path);

// Opens `path`, creating missing directories (each parent fsynced); a
// refused link is an error.
Result<UniqueFd> make_path(const TrustedPath& path);

// Opens directory `name` of `dir` without following a link; creates it
// first when `create` and it is missing. `shown` names it in errors.
Result<UniqueFd> open_subdirectory(int dir, const std::string& name, bool create,
                                   const std::string& shown);

// Makes `fd` (just created in `dir`) belong to the owner of `dir` when we
// run as root; a no-op otherwise.
Status give_to_owner_of(int dir, int fd, const std::string& shown);

}  // namespace odmr::deliver
