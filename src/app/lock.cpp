#include "app/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace odmr::app {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread
    return value != nullptr && *value == '/' ? value : "";
}

Error config_error(int error_number, const std::string& what) {
    return make_error(Errc::config, what + ": " + std::generic_category().message(error_number));
}

}  // namespace

Directories Directories::from_environment() {
    return {env("RUNTIME_DIRECTORY"),
            env("XDG_RUNTIME_DIR"),
            env("STATE_DIRECTORY"),
            env("XDG_STATE_HOME"),
            env("HOME"),
            ::geteuid() == 0};
}

std::string Directories::state() const {
    if (!state_directory.empty()) return state_directory;
    if (root) return "/var/lib/odmr-fetch";
    if (!xdg_state_home.empty()) return xdg_state_home + "/odmr-fetch";
    return (home.empty() ? std::string("/tmp") : home) + "/.local/state/odmr-fetch";
}

std::string Directories::lock_directory() const {
    if (!runtime_directory.empty()) return runtime_directory;
    if (!xdg_runtime_dir.empty()) return xdg_runtime_dir + "/odmr-fetch";
    if (root) return "/run/odmr-fetch";
    return state() + "/locks";
}

Status ensure_private_directory(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) return config_error(errno, "cannot use " + path);
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0) {
            if (auto parent = ensure_private_directory(path.substr(0, slash)); !parent)
                return parent;
        }
        if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
            return config_error(errno, "cannot create " + path);
        if (::stat(path.c_str(), &st) != 0) return config_error(errno, "cannot use " + path);
    }
    if (!S_ISDIR(st.st_mode)) return make_error(Errc::config, path + " is not a directory");
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        return make_error(Errc::config, path + " belongs to another user (uid " +
                                            std::to_string(st.st_uid) +
                                            "); refusing to keep locks or state there");
    return {};
}

Result<AccountLock> try_lock(const std::string& directory, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name.front() == '.')
        return make_error(Errc::config, "\"" + name + "\" cannot name a lock file");
    std::string path = directory + "/" + name + ".lock";
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return config_error(errno, "cannot open the lock file " + path);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return make_error(
                Errc::temporary,
                "account " + name + " is being fetched by another run (" + path + " is locked)");
        return config_error(errno, "cannot lock " + path);
    }
    return AccountLock(std::move(fd));
}

}  // namespace odmr::app
