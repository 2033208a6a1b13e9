// A Maildir on disk (cr.yp.to/proto/maildir.html): opening (and creating)
// one without following links someone else placed (deliver/safe_path),
// cleaning tmp/ of files left behind by interrupted deliveries, and the file
// operations that make a delivery durable. Everything after the open is
// relative to the directory descriptors, so nothing can be swapped between
// a check and its use.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "deliver/safe_path.h"
#include "util/log.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

// Files in tmp/ untouched this long belong to a dead delivery (the Maildir
// convention's 36 hours).
inline constexpr std::chrono::hours stale_tmp_age{36};

// A Maildir opened for delivery. Its tmp/, new/ and cur/ are directories,
// never links (a link there is refused: the owner could point it anywhere).
struct OpenMaildir {
    std::string path;  // for messages
    UniqueFd tmp;
    UniqueFd fresh;          // new/
    uid_t uid = 0;           // the owner of the Maildir directory: files we create
    gid_t gid = 0;           // there are given to it when we run as root
    bool give_away = false;  // root, and a file created in tmp/ would not be the owner's
    dev_t device = 0;        // the file system of tmp/ (one syncfs each)

    // Gives `fd` (a file just created in tmp/) to the Maildir's owner.
    Status adopt(int fd, const std::string& shown) const;
};

// Opens the Maildir at `where`; with `create`, missing directories are made
// (mode 0700), else a missing Maildir is an error. tmp/, new/ and cur/ are
// created in either case.
Result<OpenMaildir> open_maildir(const TrustedPath& where, bool create);

// Checks that none of tmp/, new/ and cur/ of the Maildir open as `dir` is a
// link (anything else wrong with them is for open_maildir() to find).
Status check_subdirectories(int dir, const std::string& path);

// Creates `path` (and missing parents) with cur/, new/ and tmp/, mode 0700.
Status ensure_maildir(const std::string& path);

// Unlinks the regular files in tmp/ that carry our unique-name format and
// were neither read nor written for `max_age`; nothing else is touched.
// Returns how many were removed; failures are only logged.
std::size_t clean_stale_tmp(const OpenMaildir& maildir, std::chrono::seconds max_age,
                            const Log& log);
std::size_t clean_stale_tmp(const std::string& path, std::chrono::seconds max_age, const Log& log);

// Moves tmp/`name` into new/ under the same name, never replacing a file
// there: renameat2(RENAME_NOREPLACE) where the file system has it, else a
// hard link (then tmp/`name` stays; `moved` tells which), else (no hard
// links) a plain rename, which the unique name makes safe.
Status publish_file(const OpenMaildir& maildir, const std::string& name, bool& moved);

// Writes all of `bytes` to `fd`; `what` names the file in errors.
Status write_all(int fd, std::string_view bytes, const std::string& what);

// Copies `length` bytes of `from` starting at `offset` to the end of `to`,
// in the kernel where it can (copy_file_range: shared extents on file
// systems that support them).
Status copy_range(int from, off_t offset, std::size_t length, int to, const std::string& what);

}  // namespace odmr::deliver
