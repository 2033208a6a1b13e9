// Opening the files that configure us or hold our secrets, safely: never
// blocking (a FIFO or a terminal in their place is refused, not waited on),
// never anything but a regular file, never more than a bound; and ssh's rule
// for who may own them and who may read or write them.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace odmr {

struct OpenedFile {
    UniqueFd fd;
    struct stat status {};
};

// Opens `path` read-only with O_NONBLOCK; anything but a regular file is
// Errc::config (open's own failure keeps its errno). With follow_links
// false a symbolic link is refused too.
Result<OpenedFile> open_regular_file(const std::string& path, bool follow_links = true);

// The whole file, refused (Errc::config, as is every failure) when larger
// than `max_size`; `status`, if given, receives the opened file's status
// (to check who may access exactly what was read).
Result<std::string> read_text_file(const std::string& path, std::size_t max_size,
                                   struct stat* status = nullptr);

// What a file holds decides who may read it.
enum class FileContent {
    settings,  // options: nobody else may write it (it can name programs to run)
    secret,    // a password or key: nobody else may read or write it
};

// ssh's rule: the file must belong to us or to root; nobody else may write
// it; and a secret nobody else may read. The error says the chmod or chown
// that fixes it.
Status check_file_access(const std::string& path, const struct stat& status, FileContent content);

}  // namespace odmr
