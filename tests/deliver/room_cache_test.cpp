#include "deliver/room_cache.h"

#include <doctest/doctest.h>
#include <fcntl.h>

#include "support/scratch_dir.h"
#include "util/unique_fd.h"

using namespace odmr;
using namespace odmr::deliver;

TEST_CASE("the cached answer is the file system's answer while little was written") {
    test::ScratchDir dir;
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    RoomCache cache;
    auto first = cache.check(dir.path, fd.get(), 1000);
    REQUIRE(first.ok());
    CHECK(first->enough);
    cache.wrote(4096, 1);
    auto second = cache.check(dir.path, fd.get(), 1000);
    REQUIRE(second.ok());
    CHECK(second->enough);
}

TEST_CASE("a size beyond the free space is refused, cached or not") {
    test::ScratchDir dir;
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    RoomCache cache;
    REQUIRE(cache.check(dir.path, fd.get(), 1000).ok());
    auto room = cache.check(dir.path, fd.get(), std::uint64_t{1} << 60);
    REQUIRE(room.ok());
    CHECK_FALSE(room->enough);
}

TEST_CASE("what we wrote since the last look counts against the room it found") {
    Space space{64ull << 20, 1000, true, true};
    CHECK(room_in(space, 0).enough);
    CHECK_FALSE(room_in(space, 0, 60ull << 20).enough);  // 4 MiB left: under the reserve
    CHECK_FALSE(room_in(space, 0, 0, 999).enough);       // one inode left
    CHECK(room_in(Space{}, 1 << 20).enough);             // no limits reported
}

TEST_CASE("after our writes use up the estimate, the file system is asked again") {
    test::ScratchDir dir;
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    RoomCache cache;
    REQUIRE(cache.check(dir.path, fd.get(), 1000).ok());
    cache.wrote(std::uint64_t{1} << 62);  // the estimate says full; the real answer decides
    auto room = cache.check(dir.path, fd.get(), 1000);
    REQUIRE(room.ok());
    CHECK(room->enough);
    CHECK(cache.check(dir.path, -1, 1000).ok());  // answered from the fresh look
}

TEST_CASE("an old answer is not trusted") {
    test::ScratchDir dir;
    RoomCache cache(Duration::zero());
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    REQUIRE(cache.check(dir.path, fd.get(), 1000).ok());
    CHECK_FALSE(cache.check(dir.path, -1, 1000).ok());  // asks again: a bad descriptor fails
}
