#include "util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/unique_fd.h"

namespace odmr {
namespace {

Status write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return storage_error(errno, "writing");
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Status write_atomically(const std::string& path, std::string_view content, int mode) {
    auto slash = path.find_last_of('/');
    std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::string temporary = path + ".tmp." + std::to_string(::getpid());
    UniqueFd fd(
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd.valid()) return storage_error(errno, "cannot create " + temporary);
    Status status = write_all(fd.get(), content);
    if (status && ::fsync(fd.get()) != 0) status = storage_error(errno, "fsync " + temporary);
    if (status && fd.close() != 0) status = storage_error(errno, "closing " + temporary);
    if (status && ::rename(temporary.c_str(), path.c_str()) != 0)
        status = storage_error(errno, "cannot rename " + temporary + " to " + path);
    if (!status) {
        ::unlink(temporary.c_str());
        return make_error(Errc::storage, "writing " + path + ": " + status.error().detail);
    }
    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
    return {};
}

}  // namespace odmr
