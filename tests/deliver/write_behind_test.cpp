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
        CHECK(behind.wrote(fd.get(), block.size()));
    }
    CHECK(behind.started() == 6000);  // after 6000 octets; 9000 - 6000 is under a step
    CHECK(::lseek(fd.get(), 0, SEEK_END) == 9000);
    behind.reset();
    CHECK(behind.started() == 0);
}

TEST_CASE("a descriptor the kernel refuses is harmless") {
    WriteBehind behind(1);
    CHECK(behind.wrote(-1, 10));
    CHECK(behind.started() == 10);
    CHECK(behind.wrote(-1, 10));  // waiting for the range before is refused too
    CHECK(behind.settled() == 10);
}

TEST_CASE("the range started a step earlier is waited for, and the file keeps every octet") {
    test::ScratchDir dir;
    std::string path = (dir.path / "message").string();
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    REQUIRE(fd.valid());
    WriteBehind behind(8192);
    behind.reset(true);  // its pages leave the cache once on disk
    std::string written;
    for (int i = 0; i < 10; ++i) {
        std::string block(4096, static_cast<char>('a' + i));
        REQUIRE(::write(fd.get(), block.data(), block.size()) == 4096);
        REQUIRE(behind.wrote(fd.get(), block.size(), path));
        written += block;
    }
    CHECK(behind.started() == 40960);
    CHECK(behind.settled() == 32768);  // at most two steps not yet on disk
    std::string back(written.size(), '\0');
    REQUIRE(::pread(fd.get(), back.data(), back.size(), 0) == static_cast<ssize_t>(back.size()));
    CHECK(back == written);
    behind.reset();
    CHECK(behind.settled() == 0);
}
