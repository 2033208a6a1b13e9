// A Maildir on disk (cr.yp.to/proto/maildir.html): creating one, cleaning
// tmp/ of files left behind by interrupted deliveries, and the file and
// directory operations that make a delivery durable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "util/log.h"
#include "util/result.h"

namespace odmr::deliver {

// Files in tmp/ untouched this long belong to a dead delivery (the Maildir
// convention's 36 hours).
inline constexpr std::chrono::hours stale_tmp_age{36};

// Creates `path` (and missing parents) with cur/, new/ and tmp/, mode 0700.
Status ensure_maildir(const std::string& path);

// Unlinks the regular files in path/tmp neither read nor written
// for `max_age`. Returns how many were removed; failures are only logged.
std::size_t clean_stale_tmp(const std::string& path, std::chrono::seconds max_age, const Log& log);

Status fsync_directory(const std::string& path);

// Writes all of `bytes` to `fd`; `what` names the file in errors.
Status write_all(int fd, std::string_view bytes, const std::string& what);

// Copies `length` bytes of `from` starting at `offset` to the end of `to`,
// in the kernel where it can (copy_file_range: shared extents on file
// systems that support them).
Status copy_range(int from, off_t offset, std::size_t length, int to, const std::string& what);

}  // namespace odmr::deliver
