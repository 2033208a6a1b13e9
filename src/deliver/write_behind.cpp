#include "deliver/write_behind.h"

#include <fcntl.h>

namespace odmr::deliver {

void WriteBehind::wrote(int fd, std::size_t n) {
    written_ += n;
    if (written_ - started_ < step_) return;
#if defined(__linux__)
    // A failure here is harmless: fsync at sync() still writes everything.
    ::sync_file_range(fd, static_cast<off_t>(started_), static_cast<off_t>(written_ - started_),
                      SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
#endif
    started_ = written_;
}

}  // namespace odmr::deliver
