#include "deliver/write_behind.h"

#include <fcntl.h>

#include <cerrno>

namespace odmr::deliver {

Status WriteBehind::wrote(int fd, std::size_t n, const std::string& shown) {
    written_ += n;
    if (written_ - started_ < step_) return {};
#if defined(__linux__)
    // A failure here is harmless: fsync at sync() still writes everything.
    ::sync_file_range(fd, static_cast<off_t>(started_), static_cast<off_t>(written_ - started_),
                      SYNC_FILE_RANGE_WRITE);
#endif
    Status settled = settle(fd, shown);
    started_ = written_;
    return settled;
}

// Waits for the range started one step ago; its pages are clean afterwards.
Status WriteBehind::settle(int fd, const std::string& shown) {
    std::size_t from = settled_;
    settled_ = started_;
    if (started_ == from) return {};
#if defined(__linux__)
    auto offset = static_cast<off_t>(from);
    auto length = static_cast<off_t>(started_ - from);
    if (::sync_file_range(fd, offset, length,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
        int e = errno;
        // Not a file the call applies to: nothing was waited for, nothing lost.
        if (e == EBADF || e == EINVAL || e == ESPIPE || e == ENOSYS) return {};
        return storage_error(e, "cannot write " + shown + " to disk");
    }
    if (drop_cache_) ::posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
#else
    (void)fd;
    (void)shown;
#endif
    return {};
}

}  // namespace odmr::deliver
