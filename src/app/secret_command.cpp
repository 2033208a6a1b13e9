#include "app/secret_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "app/command_line.h"
#include "util/unique_fd.h"

extern char** environ;

namespace odmr::app {

namespace {

constexpr std::size_t max_output = 64 * 1024;  // `pass show` prints the whole entry
constexpr std::size_t max_line = 4096;
constexpr std::size_t max_errors_shown = 1000;

// What the program printed on standard output, in guarded memory.
class GuardedBuffer {
  public:
    GuardedBuffer() : data_(static_cast<char*>(sodium_malloc(max_output))) {}
    ~GuardedBuffer() { sodium_free(data_); }  // wipes before freeing
    GuardedBuffer(const GuardedBuffer&) = delete;
    GuardedBuffer& operator=(const GuardedBuffer&) = delete;

    bool valid() const { return data_ != nullptr; }
    char* free_space() { return data_ + used_; }
    std::size_t room() const { return max_output - used_; }
    void grow(std::size_t n) { used_ += n; }
    std::string_view view() const { return {data_, used_}; }

  private:
    char* data_;
    std::size_t used_ = 0;
};

struct Pipe {
    UniqueFd read, write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return storage_error(errno, "pipe");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<pid_t> spawn(const std::vector<std::string>& words, int out, int err, bool own_group) {
    std::vector<char*> argv;
    for (const auto& word : words) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    // Its own process group, so that a timeout kills everything it started;
    // not at a terminal, where a pinentry must stay in the foreground group.
    short flags = POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
        posix_spawnattr_setpgroup(&attributes, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&attributes, flags);
    pid_t pid = 0;
    int failed = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (failed != 0)
        return make_error(Errc::config, "cannot run " + words[0] + ": " +
                                            std::generic_category().message(failed));
    return pid;
}

// Reads both pipes to their ends or to the deadline; false on the deadline.
bool collect(int out, int err, GuardedBuffer& secret, std::string& errors,
             std::chrono::steady_clock::time_point deadline) {
    pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
    char scratch[4096];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        int ready = ::poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return ready == 0 ? false : true;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            bool to_secret = i == 0 && secret.room() > 0;
            char* into = to_secret ? secret.free_space() : scratch;
            std::size_t room = to_secret ? secret.room() : sizeof scratch;
            ssize_t n = ::read(fds[i].fd, into, room);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fds[i].fd = -1;
                continue;
            }
            if (to_secret) secret.grow(static_cast<std::size_t>(n));
            if (i == 1 && errors.size() < max_errors_shown)
                errors.append(scratch, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                             max_errors_shown - errors.size()));
        }
    }
    return true;
}

std::string printable(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        out += c == '\n' ? std::string(" | ") : std::string(1, u < 0x20 || u == 0x7f ? '?' : c);
    }
    return out.empty() ? std::string() : " (it said: " + out + ")";
}

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "failed";
}

}  // namespace

Result<Secret> run_secret_command(const std::string& command, std::string_view option,
                                  std::chrono::milliseconds timeout) {
    std::string name(option);
    auto words = split_command(command);
    if (!words) return make_error(Errc::config, name + ": " + words.error().detail);
    auto out = make_pipe();
    auto err = make_pipe();
    if (!out || !err) return make_error(Errc::config, name + ": cannot make a pipe");
    GuardedBuffer secret;
    if (!secret.valid()) return make_error(Errc::software, "cannot allocate guarded memory");
    bool own_group = ::isatty(STDIN_FILENO) != 1;
    auto pid = spawn(*words, out->write.get(), err->write.get(), own_group);
    if (!pid) return make_error(Errc::config, name + ": " + pid.error().detail);
    out->write.reset();
    err->write.reset();
    std::string errors;
    bool finished = collect(out->read.get(), err->read.get(), secret, errors,
                            std::chrono::steady_clock::now() + timeout);
    if (!finished) ::kill(own_group ? -*pid : *pid, SIGKILL);
    int status = 0;
    while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string what = name + " (" + (*words)[0] + ") ";
    if (!finished)
        return make_error(Errc::config, what + "did not finish within " +
                                            std::to_string(timeout.count() / 1000) + " s" +
                                            printable(errors));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return make_error(Errc::config, what + describe(status) + printable(errors));
    auto line = secret.view().substr(0, secret.view().find_first_of("\r\n"));
    if (line.size() > max_line)
        return make_error(Errc::config, what + "printed a first line longer than " +
                                            std::to_string(max_line) + " bytes");
    if (line.empty()) return make_error(Errc::config, what + "printed nothing" + printable(errors));
    return Secret(line);
}

}  // namespace odmr::app
