// Whether a file system can take one more message: checked with statvfs(2)
// before a recipient is accepted, so a full disk is a "452 4.3.1, try
// later" at RCPT rather than a message cut off half way.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.h"

namespace odmr::deliver {

// Kept free for everything else on the file system, beyond the message.
inline constexpr std::uint64_t space_reserve = 16 * 1024 * 1024;
// A message that did not declare its SIZE is assumed to need this much.
inline constexpr std::uint64_t size_floor = 1024 * 1024;
// Files (inodes) kept free; file systems that report no inode count have
// no such limit.
inline constexpr std::uint64_t inode_reserve = 64;

struct Room {
    bool enough = true;
    std::string why;  // when not enough: what is short, for the log
};

// What statvfs(2) reports as available to us; a count of 0 blocks or files
// means the file system has no such limit.
struct Space {
    std::uint64_t bytes = 0;
    std::uint64_t files = 0;
    bool counts_bytes = false;
    bool counts_files = false;
};

Result<Space> free_space(int dir);
// Whether `space`, less `used` octets and `files` files written since it was
// read, has room for a message of `size` octets (0: not declared).
Room room_in(const Space& space, std::uint64_t size, std::uint64_t used = 0,
             std::uint64_t files = 0);

// Whether the file system of `dir` has room for a message of `size` octets
// (0: not declared) plus the reserves. An error when statvfs fails.
Result<Room> room_for(int dir, std::uint64_t size);

}  // namespace odmr::deliver
