// A fresh directory under the system's temporary directory, removed with
// everything in it at the end of the test; and a "user" other than us to
// own parts of it, for the tests of what a local user could do.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace odmr::test {

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "odmr-scratch-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
        // Readable for the other user, as a real mail spool is.
        ::chmod(path.c_str(), 0755);
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
};

// nobody:nogroup, the user of the tests that need root to change owners.
inline constexpr uid_t other_uid = 65534;
inline constexpr gid_t other_gid = 65534;

inline bool running_as_root() {
    return ::geteuid() == 0;
}

// Makes `path` (not following a link) belong to the other user.
inline void give_to_other_user(const std::filesystem::path& path) {
    REQUIRE(::lchown(path.c_str(), other_uid, other_gid) == 0);
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// Sets a file's access and modification times `hours` into the past.
inline void age_file(const std::filesystem::path& path, int hours) {
    timespec times[2] = {{::time(nullptr) - hours * 3600L, 0},
                         {::time(nullptr) - hours * 3600L, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

}  // namespace odmr::test
