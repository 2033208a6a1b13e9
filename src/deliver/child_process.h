// A local program run without a shell (an MDA, `exim -bs`): argv[0] is
// looked up in PATH, the child gets its own process group (a timeout kills
// everything it started), default SIGPIPE and SIGXFSZ, no descriptor of ours
// but the three it is given. Waiting is asynchronous, with a deadline.
#pragma once

#include <sys/types.h>

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/time.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

struct ChildIo {
    int in = -1;  // -1: /dev/null
    int out = -1;
    int err = -1;
};

struct ChildExit {
    bool timed_out = false;  // killed by us after the deadline
    int status = 0;          // as from waitpid(2), when not timed out

    std::string describe() const;  // "exit status 75", "killed by signal 9", "timed out"
};

class ChildProcess {
  public:
    // `environment` entries ("NAME=value") are added to ours, replacing any
    // variable of the same name.
    static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const ChildIo& io,
                                      const std::vector<std::string>& environment = {});

    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();  // kills and reaps a child still running

    // Waits for the child to end; after `timeout` kills its process group.
    asio::awaitable<ChildExit> wait(Duration timeout);
    // SIGKILL to the process group, then reaps the child (synchronously).
    void kill();
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

  private:
    explicit ChildProcess(pid_t pid) : pid_(pid) {}
    ChildExit reap();

    pid_t pid_ = -1;
};

// Waits for `child` (as ChildProcess::wait) while reading what it writes to
// `output`, our end of the pipe that is its stdout and stderr; keeps the
// first `limit` bytes.
struct ChildResult {
    ChildExit exit;
    std::string output;
};
asio::awaitable<ChildResult> wait_collecting(ChildProcess& child, UniqueFd output, Duration timeout,
                                             std::size_t limit = 4096);

// A pipe whose both ends are close-on-exec: {read end, write end}.
Result<std::pair<UniqueFd, UniqueFd>> make_pipe();

}  // namespace odmr::deliver
