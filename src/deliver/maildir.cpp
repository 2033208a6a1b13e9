#include "deliver/maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <system_error>
#include <vector>

#include "util/unique_fd.h"

namespace odmr::deliver {
namespace {

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// mkdir -p, fsyncing each parent whose entries changed.
Status make_directories(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return {};
        return make_error(Errc::storage, path + " exists and is not a directory");
    }
    if (errno != ENOENT) return storage_error(errno, "cannot access " + path);
    std::string parent = parent_of(path);
    if (parent != path) {
        if (auto made = make_directories(parent); !made) return made;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return storage_error(errno, "cannot create directory " + path);
    return fsync_directory(parent);
}

std::time_t last_touched(const struct stat& st) {
    return std::max(st.st_atime, st.st_mtime);
}

}  // namespace

Status fsync_directory(const std::string& path) {
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) return storage_error(errno, "cannot open directory " + path);
    if (::fsync(dir.get()) != 0) return storage_error(errno, "cannot fsync directory " + path);
    return {};
}

Status ensure_maildir(const std::string& path) {
    for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
        if (auto made = make_directories(path + sub); !made) return made;
    }
    if (::access((path + "/tmp").c_str(), W_OK) != 0 ||
        ::access((path + "/new").c_str(), W_OK) != 0)
        return storage_error(errno, "Maildir " + path + " is not writable");
    return {};
}

std::size_t clean_stale_tmp(const std::string& path, std::chrono::seconds max_age, const Log& log) {
    std::string tmp = path + "/tmp";
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(tmp.c_str()), ::closedir);
    if (!dir) return 0;
    std::time_t limit = std::time(nullptr) - static_cast<std::time_t>(max_age.count());
    std::vector<std::string> stale;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one stream, read by one thread
    while (const dirent* entry = ::readdir(dir.get())) {
        struct stat st {};
        if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode) && last_touched(st) < limit) stale.emplace_back(entry->d_name);
    }
    std::size_t removed = 0;
    for (const auto& name : stale) {
        if (::unlinkat(::dirfd(dir.get()), name.c_str(), 0) == 0) {
            ++removed;
            continue;
        }
        std::string what = "cannot remove stale " + tmp;
        what.append("/").append(name);
        log.warning(storage_error(errno, what).detail);
    }
    if (removed > 0)
        log.notice("removed " + std::to_string(removed) +
                   " stale file(s) older than 36 hours from " + tmp);
    return removed;
}

Status write_all(int fd, std::string_view bytes, const std::string& what) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return storage_error(errno, "cannot write to " + what);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Status copy_range(int from, off_t offset, std::size_t length, int to, const std::string& what) {
    bool in_kernel = true;
    std::vector<char> buffer;
    while (length > 0) {
        if (in_kernel) {
            loff_t in = offset;
            ssize_t n = ::copy_file_range(from, &in, to, nullptr, length, 0);
            if (n > 0) {
                offset += n;
                length -= static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
                errno != EOPNOTSUPP)
                return storage_error(errno, "cannot copy the message to " + what);
            in_kernel = false;  // not here (or no progress): copy through user space
            buffer.resize(64 * 1024);
        }
        ssize_t n = ::pread(from, buffer.data(), std::min(length, buffer.size()), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return storage_error(n == 0 ? EIO : errno, "cannot read back the message for " + what);
        if (auto written = write_all(to, {buffer.data(), static_cast<std::size_t>(n)}, what);
            !written)
            return written;
        offset += n;
        length -= static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace odmr::deliver
