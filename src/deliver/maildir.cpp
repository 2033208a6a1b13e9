#include "deliver/maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <system_error>
#include <vector>

#include "deliver/maildir_name.h"
#include "util/unique_fd.h"

namespace odmr::deliver {
namespace {

std::time_t last_touched(const struct stat& st) {
    return std::max(st.st_atime, st.st_mtime);
}

// The names in `tmp` that the cleaner may remove.
std::vector<std::string> stale_names(int tmp, std::chrono::seconds max_age) {
    std::vector<std::string> stale;
    UniqueFd fd(::openat(tmp, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::unique_ptr<DIR, int (*)(DIR*)> dir(fd.valid() ? ::fdopendir(fd.get()) : nullptr,
                                            ::closedir);
    if (!dir) return stale;
    fd.release();  // the stream owns it now
    std::time_t limit = std::time(nullptr) - static_cast<std::time_t>(max_age.count());
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one stream, read by one thread
    while (const dirent* entry = ::readdir(dir.get())) {
        if (!is_maildir_unique_name(entry->d_name)) continue;
        struct stat st {};
        if (::fstatat(tmp, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode) && last_touched(st) < limit) stale.emplace_back(entry->d_name);
    }
    return stale;
}

}  // namespace

Status OpenMaildir::adopt(int fd, const std::string& shown) const {
    if (!give_away) return {};
    if (::fchown(fd, uid, gid) != 0)
        return storage_error(errno, "cannot give " + shown + " to the owner of " + path);
    return {};
}

Result<OpenMaildir> open_maildir(const TrustedPath& where, bool create) {
    OpenMaildir maildir{where.full(), {}, {}, 0, 0};
    UniqueFd dir;
    if (create) {
        auto made = make_path(where);
        if (!made) return made.error();
        dir = std::move(*made);
    } else {
        auto walked = walk_existing(where);
        if (!walked) return walked.error();
        if (walked->refused) return *walked->refused;
        if (walked->reached < where.below.size())
            return storage_error(ENOENT, "Maildir " + maildir.path + " does not exist");
        dir = std::move(walked->dir);
    }
    struct stat st {};
    if (::fstat(dir.get(), &st) != 0) return storage_error(errno, "cannot stat " + maildir.path);
    maildir.uid = st.st_uid;
    maildir.gid = st.st_gid;
    for (const char* name : {"tmp", "new", "cur"}) {
        auto sub = open_subdirectory(dir.get(), name, true, maildir.path + "/" + name);
        if (!sub) return sub.error();
        if (name[0] == 't') maildir.tmp = std::move(*sub);
        if (name[0] == 'n') maildir.fresh = std::move(*sub);
    }
    // A file created in tmp/ is ours, its group tmp/'s when that is set-group-ID.
    struct stat tmp {};
    if (::fstat(maildir.tmp.get(), &tmp) != 0)
        return storage_error(errno, "cannot stat " + maildir.path + "/tmp");
    gid_t file_gid = (tmp.st_mode & S_ISGID) != 0 ? tmp.st_gid : ::getegid();
    maildir.device = tmp.st_dev;
    maildir.give_away = ::geteuid() == 0 && (st.st_uid != ::geteuid() || st.st_gid != file_gid);
    if (::faccessat(maildir.tmp.get(), ".", W_OK, AT_EACCESS) != 0 ||
        ::faccessat(maildir.fresh.get(), ".", W_OK, AT_EACCESS) != 0)
        return storage_error(errno, "Maildir " + maildir.path + " is not writable");
    return maildir;
}

Status check_subdirectories(int dir, const std::string& path) {
    for (const char* name : {"tmp", "new", "cur"}) {
        struct stat st {};
        if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISLNK(st.st_mode))
            return make_error(Errc::storage,
                              path + "/" + name + " is a symbolic link: refusing it");
    }
    return {};
}

Status ensure_maildir(const std::string& path) {
    auto opened = open_maildir(split_trusted(path, path), true);
    if (!opened) return opened.error();
    return {};
}

std::size_t clean_stale_tmp(const OpenMaildir& maildir, std::chrono::seconds max_age,
                            const Log& log) {
    std::size_t removed = 0;
    for (const auto& name : stale_names(maildir.tmp.get(), max_age)) {
        if (::unlinkat(maildir.tmp.get(), name.c_str(), 0) == 0) {
            ++removed;
            continue;
        }
        log.warning(
            storage_error(errno, "cannot remove stale " + maildir.path + "/tmp/" + name).detail);
    }
    if (removed > 0)
        log.notice("removed " + std::to_string(removed) +
                   " stale file(s) older than 36 hours from " + maildir.path + "/tmp");
    return removed;
}

std::size_t clean_stale_tmp(const std::string& path, std::chrono::seconds max_age, const Log& log) {
    auto opened = open_maildir(split_trusted(path, path), false);
    if (!opened) return 0;
    return clean_stale_tmp(*opened, max_age, log);
}

Status publish_file(const OpenMaildir& maildir, const std::string& name, bool& moved) {
    int tmp = maildir.tmp.get();
    int fresh = maildir.fresh.get();
    auto failed = [&](int e) {
        return storage_error(e, "cannot move the message into " + maildir.path + "/new");
    };
    moved = false;
#if defined(__linux__)
    // One call instead of linkat + unlinkat; EEXIST is a real failure.
    if (::renameat2(tmp, name.c_str(), fresh, name.c_str(), RENAME_NOREPLACE) == 0) {
        moved = true;
        return {};
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return failed(errno);
#endif
    // linkat(2) never replaces an existing file, unlike renameat(2).
    if (::linkat(tmp, name.c_str(), fresh, name.c_str(), 0) == 0) return {};
    int e = errno;
    if (e != EPERM && e != ENOSYS && e != EOPNOTSUPP) return failed(e);
    // A file system without hard links: the unique name makes rename safe.
    if (::renameat(tmp, name.c_str(), fresh, name.c_str()) != 0) return failed(errno);
    moved = true;
    return {};
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
