#include "deliver/free_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>

namespace odmr::deliver {

Result<Room> room_for(int dir, std::uint64_t size) {
    struct statvfs vfs {};
    if (::fstatvfs(dir, &vfs) != 0) return storage_error(errno, "cannot read the free space");
    std::uint64_t need = std::max(size, size_floor) + space_reserve;
    std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (vfs.f_blocks > 0 && free_bytes < need)
        return Room{false, std::to_string(free_bytes / 1024) + " KiB free, " +
                               std::to_string(need / 1024) + " KiB needed"};
    if (vfs.f_files > 0 && vfs.f_favail < inode_reserve)
        return Room{false, std::to_string(vfs.f_favail) + " inodes free"};
    return Room{};
}

}  // namespace odmr::deliver
