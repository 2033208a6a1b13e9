// Write-behind for a large message file: every `step` octets written, the
// kernel is asked to start writing them to disk (sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE: it does not wait, and makes nothing durable), so
// the disk works while the rest of the message still arrives and the fsync
// before the 250 waits for the tail only. The range asked for one step
// earlier is then waited for: dirty pages stay bounded at about two steps
// (a disk slower than the network slows the receive instead of piling up
// memory), and with `drop_cache` those pages, now clean, leave the page
// cache (a 256 MiB message does not evict the cache of everything else).
// Durability is unchanged: only fsync/syncfs at sync() counts. Elsewhere
// than Linux it does nothing.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "util/result.h"

namespace odmr::deliver {

class WriteBehind {
  public:
    static constexpr std::size_t default_step = 8 * 1024 * 1024;
    explicit WriteBehind(std::size_t step = default_step) : step_(step) {}

    // `n` more octets were appended to `fd` (a new file, written from 0;
    // `shown` names it). An error is the disk's, found while waiting for a
    // range: the file is not intact. It must fail the message, as fsync
    // would have: once reported here, a later fsync through another
    // descriptor need not report it again.
    Status wrote(int fd, std::size_t n, const std::string& shown = {});
    // A new file; `drop_cache`: nothing reads it back while it is written.
    void reset(bool drop_cache = false) {
        written_ = started_ = settled_ = 0;
        drop_cache_ = drop_cache;
    }
    // How far writing to disk was asked for.
    std::size_t started() const { return started_; }
    // How far writing to disk was waited for.
    std::size_t settled() const { return settled_; }

  private:
    Status settle(int fd, const std::string& shown);

    std::size_t step_;
    std::size_t written_ = 0;
    std::size_t started_ = 0;
    std::size_t settled_ = 0;
    bool drop_cache_ = false;
};

}  // namespace odmr::deliver
