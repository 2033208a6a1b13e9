#include "deliver/free_space.h"

#include <doctest/doctest.h>
#include <fcntl.h>

#include "support/scratch_dir.h"
#include "util/unique_fd.h"

using namespace odmr;
using namespace odmr::deliver;

TEST_CASE("a file system with room for the message and the reserve takes it") {
    test::ScratchDir dir;
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    auto room = room_for(fd.get(), 1000);
    REQUIRE(room.ok());
    CHECK(room->enough);
}

TEST_CASE("a declared size beyond the free space is refused, with what is short") {
    test::ScratchDir dir;
    UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
    auto room = room_for(fd.get(), std::uint64_t{1} << 60);
    REQUIRE(room.ok());
    CHECK_FALSE(room->enough);
    CHECK(room->why.find("KiB free") != std::string::npos);
}
