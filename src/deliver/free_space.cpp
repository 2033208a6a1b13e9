#include "deliver/free_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>

namespace odmr::deliver {

Result<Space> free_space(int dir) {
    struct statvfs vfs {};
    if (::fstatvfs(dir, &vfs) != 0) return storage_error(errno, "cannot read the free space");
    return Space{static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize, vfs.f_favail,
                 vfs.f_blocks > 0, vfs.f_files > 0};
}

Room room_in(const Space& space, std::uint64_t size, std::uint64_t used, std::uint64_t files) {
    std::uint64_t need = std::max(size, size_floor) + space_reserve;
    std::uint64_t free_bytes = space.bytes - std::min(space.bytes, used);
    std::uint64_t free_files = space.files - std::min(space.files, files);
    if (space.counts_bytes && free_bytes < need)
        return Room{false, std::to_string(free_bytes / 1024) + " KiB free, " +
                               std::to_string(need / 1024) + " KiB needed"};
    if (space.counts_files && free_files < inode_reserve)
        return Room{false, std::to_string(free_files) + " inodes free"};
    return Room{};
}

Result<Room> room_for(int dir, std::uint64_t size) {
    auto space = free_space(dir);
    if (!space) return space.error();
    return room_in(*space, size);
}

}  // namespace odmr::deliver
