// The free-space check of each Maildir, cached within a run so that a RCPT
// does not cost a statvfs(2): what the file system reported is kept with
// how much we had written (octets and files, into any Maildir) at that
// moment, and a later check subtracts what we wrote since. The file system
// is asked again when that estimate falls short (the real answer decides)
// or when the last answer is older than `max_age` (other writers fill disks
// too; the reserve in deliver/free_space covers them meanwhile).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "deliver/free_space.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::deliver {

class RoomCache {
  public:
    static constexpr Duration default_max_age = std::chrono::seconds(5);
    explicit RoomCache(Duration max_age = default_max_age) : max_age_(max_age) {}

    // Whether the file system of the Maildir `path` (open as `dir`) has room
    // for a message of `size` octets.
    Result<Room> check(const std::string& path, int dir, std::uint64_t size);
    // Octets and files we just wrote.
    void wrote(std::uint64_t bytes, std::uint64_t files = 0) {
        bytes_ += bytes;
        files_ += files;
    }
    void forget(const std::string& path) { seen_.erase(path); }

  private:
    struct Seen {
        Space space;
        std::uint64_t bytes = 0;  // bytes_ and files_ when `space` was read
        std::uint64_t files = 0;
        Clock::time_point at;
    };

    Duration max_age_;
    std::map<std::string, Seen> seen_;
    std::uint64_t bytes_ = 0;
    std::uint64_t files_ = 0;
};

}  // namespace odmr::deliver
