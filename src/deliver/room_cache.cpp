#include "deliver/room_cache.h"

namespace odmr::deliver {
namespace {

constexpr std::size_t most_remembered = 1024;  // Maildirs; then start afresh

}  // namespace

Result<Room> RoomCache::check(const std::string& path, int dir, std::uint64_t size) {
    auto now = Clock::now();
    if (auto known = seen_.find(path); known != seen_.end() && now - known->second.at < max_age_) {
        const Seen& seen = known->second;
        Room room = room_in(seen.space, size, bytes_ - seen.bytes, files_ - seen.files);
        if (room.enough) return room;
    }
    auto space = free_space(dir);
    if (!space) {
        seen_.erase(path);
        return space.error();
    }
    if (seen_.size() >= most_remembered) seen_.clear();
    seen_.insert_or_assign(path, Seen{*space, bytes_, files_, now});
    return room_in(*space, size);
}

}  // namespace odmr::deliver
