#include "deliver/write_behind.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "support/scratch_dir.h"
#include "util/unique_fd.h"

using namespace odmr;
using namespace odmr::deliver;

TEST_CASE("writing to disk is started each step, and the file keeps every octet") {
    test::ScratchDir dir;
    std::string path = (dir.path / "message").string();
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    REQUIRE(fd.valid());
    WriteBehind behind(4096);
    std::string block(3000, 'x');
    for (int i = 0; i < 3; ++i) {
        REQUIRE(::write(fd.get(), block.data(), block.size()) == 3000);
        behind.wrote(fd.get(), block.size());
    }
    CHECK(behind.started() == 6000);  // after 6000 octets; 9000 - 6000 is under a step
    CHECK(::lseek(fd.get(), 0, SEEK_END) == 9000);
    behind.reset();
    CHECK(behind.started() == 0);
}

TEST_CASE("a descriptor the kernel refuses is harmless") {
    WriteBehind behind(1);
    behind.wrote(-1, 10);
    CHECK(behind.started() == 10);
}
