// Write-behind for a large message file: every `step` octets written, the
// kernel is asked to start writing them to disk (sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE: it does not wait, and makes nothing durable), so
// the disk works while the rest of the message still arrives and the fsync
// before the 250 waits for the tail only. Durability is unchanged: only
// fsync/syncfs at sync() counts. Elsewhere than Linux it does nothing.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace odmr::deliver {

class WriteBehind {
  public:
    static constexpr std::size_t default_step = 8 * 1024 * 1024;
    explicit WriteBehind(std::size_t step = default_step) : step_(step) {}

    // `n` more octets were appended to `fd` (a new file, written from 0).
    void wrote(int fd, std::size_t n);
    void reset() { written_ = started_ = 0; }
    // How far writing to disk was asked for.
    std::size_t started() const { return started_; }

  private:
    std::size_t step_;
    std::size_t written_ = 0;
    std::size_t started_ = 0;
};

}  // namespace odmr::deliver
