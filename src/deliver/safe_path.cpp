#include "deliver/safe_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace odmr::deliver {
namespace {

constexpr int dir_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
constexpr int max_links = 8;  // links followed in one walk

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= path.size()) {
        auto slash = path.find('/', i);
        if (slash == std::string_view::npos) slash = path.size();
        auto part = path.substr(i, slash - i);
        if (!part.empty() && part != ".") out.emplace_back(part);
        i = slash + 1;
    }
    return out;
}

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Status fsync_fd(int fd, const std::string& shown) {
    if (::fsync(fd) != 0) return storage_error(errno, "cannot fsync directory " + shown);
    return {};
}

// mkdir -p for the configured start, fsyncing each parent whose entries
// changed: the administrator's own path, created as given.
Status make_start(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return {};
        return make_error(Errc::storage, path + " exists and is not a directory");
    }
    if (errno != ENOENT) return storage_error(errno, "cannot access " + path);
    std::string parent = parent_of(path);
    if (parent != path) {
        if (auto made = make_start(parent); !made) return made;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return storage_error(errno, "cannot create directory " + path);
    UniqueFd dir(::open(parent.c_str(), dir_flags));
    if (!dir.valid()) return storage_error(errno, "cannot open directory " + parent);
    return fsync_fd(dir.get(), parent);
}

// How many more links a walk may follow, and whether it met one that
// someone else placed.
struct Budget {
    int links = max_links;
    bool foreign = false;
};

Result<UniqueFd> open_one(int dir, const std::string& name, const std::string& shown,
                          Budget& budget);

// Opens `target` (a link's contents) from `dir`, one component at a time.
Result<UniqueFd> open_target(int dir, std::string_view target, const std::string& shown,
                             Budget& budget) {
    UniqueFd current(target.starts_with('/') ? ::open("/", dir_flags)
                                             : ::openat(dir, ".", dir_flags));
    if (!current.valid()) return storage_error(errno, "cannot follow " + shown);
    for (const auto& part : components(target)) {
        auto next = open_one(current.get(), part, shown, budget);
        if (!next) return next;
        if (!next->valid()) return storage_error(ENOENT, "cannot follow " + shown);
        current = std::move(*next);
    }
    return current;
}

// `name` of `dir` is not a directory: when it is a link that we or root
// made, opens what it points to; anything else is refused.
Result<UniqueFd> follow_own_link(int dir, const std::string& name, const std::string& shown,
                                 Budget& budget) {
    UniqueFd link(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!link.valid() || ::fstat(link.get(), &st) != 0)
        return storage_error(errno, "cannot open " + shown);
    if (!S_ISLNK(st.st_mode)) return make_error(Errc::storage, shown + " is not a directory");
    if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
        budget.foreign = true;
        return make_error(Errc::storage, shown + " is a symbolic link owned by uid " +
                                             std::to_string(st.st_uid) + ": refusing to follow it");
    }
    if (--budget.links < 0) return make_error(Errc::storage, "too many symbolic links in " + shown);
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(link.get(), "", target, sizeof target - 1);
    if (n < 0) return storage_error(errno, "cannot read the link " + shown);
    return open_target(dir, std::string_view(target, static_cast<std::size_t>(n)), shown, budget);
}

// An empty UniqueFd when `name` does not exist.
Result<UniqueFd> open_one(int dir, const std::string& name, const std::string& shown,
                          Budget& budget) {
    UniqueFd fd(::openat(dir, name.c_str(), dir_flags | O_NOFOLLOW));
    if (fd.valid()) return fd;
    if (errno == ENOENT) return UniqueFd();
    if (errno != ELOOP && errno != ENOTDIR) return storage_error(errno, "cannot open " + shown);
    return follow_own_link(dir, name, shown, budget);
}

// Creates directory `name` of `dir` (owned like `dir`) and opens it.
Result<UniqueFd> create_one(int dir, const std::string& name, const std::string& shown) {
    bool created = ::mkdirat(dir, name.c_str(), 0700) == 0;
    if (!created && errno != EEXIST)
        return storage_error(errno, "cannot create directory " + shown);
    UniqueFd fd(::openat(dir, name.c_str(), dir_flags | O_NOFOLLOW));
    if (!fd.valid()) return storage_error(errno, "cannot open " + shown);
    if (!created) return fd;
    if (auto owned = give_to_owner_of(dir, fd.get(), shown); !owned) return owned.error();
    if (auto synced = fsync_fd(dir, parent_of(shown)); !synced) return synced.error();
    return fd;
}

Result<Walk> walk(const TrustedPath& path, bool create) {
    if (create) {
        if (auto made = make_start(path.start); !made) return made.error();
    }
    Walk walked{UniqueFd(::open(path.start.c_str(), dir_flags)), 0, std::nullopt};
    if (!walked.dir.valid()) return storage_error(errno, "cannot open directory " + path.start);
    std::string shown = path.start;
    Budget budget;
    for (const auto& part : path.below) {
        shown += (shown.ends_with('/') ? "" : "/") + part;
        auto next = open_one(walked.dir.get(), part, shown, budget);
        if (next && !next->valid() && create) next = create_one(walked.dir.get(), part, shown);
        if (!next && budget.foreign && !create) {
            walked.refused = next.error();
            return walked;
        }
        if (!next) return next.error();
        if (!next->valid()) return walked;
        walked.dir = std::move(*next);
        ++walked.reached;
    }
    return walked;
}

}  // namespace

std::string TrustedPath::full() const {
    std::string out = start;
    for (const auto& part : below) out += (out.ends_with('/') ? "" : "/") + part;
    return out;
}

TrustedPath split_trusted(std::string_view pattern, std::string_view path) {
    while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
    auto brace = pattern.find('{');
    std::string_view fixed = brace == std::string_view::npos ? path : pattern.substr(0, brace);
    auto slash = fixed.find_last_of('/');
    if (slash == std::string_view::npos) return {".", components(path)};
    std::string start(path.substr(0, slash == 0 ? 1 : slash));
    return {start, components(path.substr(slash + 1))};
}

Result<Walk> walk_existing(const TrustedPath& path) {
    return walk(path, false);
}

Result<UniqueFd> make_path(const TrustedPath& path) {
    auto walked = walk(path, true);
    if (!walked) return walked.error();
    return std::move(walked->dir);
}

Result<UniqueFd> open_subdirectory(int dir, const std::string& name, bool create,
                                   const std::string& shown) {
    UniqueFd fd(::openat(dir, name.c_str(), dir_flags | O_NOFOLLOW));
    if (fd.valid()) return fd;
    if (errno == ELOOP || errno == ENOTDIR) {
        struct stat st {};
        bool link =
            ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        return make_error(Errc::storage, shown + (link ? " is a symbolic link: refusing it"
                                                       : " is not a directory"));
    }
    if (errno != ENOENT || !create) return storage_error(errno, "cannot open " + shown);
    return create_one(dir, name, shown);
}

Status give_to_owner_of(int dir, int fd, const std::string& shown) {
    if (::geteuid() != 0) return {};
    struct stat owner {};
    struct stat st {};
    if (::fstat(dir, &owner) != 0 || ::fstat(fd, &st) != 0)
        return storage_error(errno, "cannot stat " + shown);
    if (st.st_uid == owner.st_uid && st.st_gid == owner.st_gid) return {};
    if (::fchown(fd, owner.st_uid, owner.st_gid) != 0)
        return storage_error(errno, "cannot give " + shown + " to its Maildir's owner");
    return {};
}

}  // namespace odmr::deliver
