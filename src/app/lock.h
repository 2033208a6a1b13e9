// One run per account at a time: an flock(2) on NAME.lock in the lock
// directory. The kernel drops the lock when the process ends, however it
// ends, so a crashed run never blocks the next one.
//
// Lock directory: $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=), else
// $XDG_RUNTIME_DIR/odmr-fetch, else as root /run/odmr-fetch, else
// "locks" under the state directory: $STATE_DIRECTORY, else
// $XDG_STATE_HOME/odmr-fetch (default ~/.local/state/odmr-fetch), as root
// /var/lib/odmr-fetch. Directories are created 0700 and refused when owned
// by another user.
#pragma once

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace odmr::app {

// The variables the directories come from, read once (tests make their own).
struct Directories {
    std::string runtime_directory;  // $RUNTIME_DIRECTORY
    std::string xdg_runtime_dir;    // $XDG_RUNTIME_DIR
    std::string state_directory;    // $STATE_DIRECTORY
    std::string xdg_state_home;     // $XDG_STATE_HOME
    std::string home;               // $HOME
    bool root = false;

    static Directories from_environment();
    std::string lock_directory() const;
    std::string state() const;
};

// Creates PATH (and missing parents) 0700; refuses a directory owned by
// another user (Errc::config).
Status ensure_private_directory(const std::string& path);

class AccountLock {
  public:
    AccountLock() = default;
    explicit AccountLock(UniqueFd fd) : fd_(std::move(fd)) {}
    bool held() const { return fd_.valid(); }

  private:
    UniqueFd fd_;
};

// Tries once, without waiting. Another run holding the lock is
// Errc::temporary (exit 75); a lock file that cannot be made is Errc::config.
Result<AccountLock> try_lock(const std::string& directory, const std::string& name);

}  // namespace odmr::app
