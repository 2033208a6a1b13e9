#include "deliver/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cstring>
#include <system_error>
#include <utility>

#include "net/awaitable.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace odmr::deliver {
namespace {

using net::use_tuple;

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    auto overridden = [&](std::string_view entry) {
        auto name = entry.substr(0, entry.find('=') + 1);
        for (const auto& e : extra)
            if (e.starts_with(name)) return true;
        return false;
    };
    for (char** e = environ; e != nullptr && *e != nullptr; ++e)
        if (!overridden(*e)) out.emplace_back(*e);
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attributes{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void set_descriptor(SpawnSetup& setup, int fd, int target) {
    if (fd >= 0)
        posix_spawn_file_actions_adddup2(&setup.actions, fd, target);
    else
        posix_spawn_file_actions_addopen(&setup.actions, target, "/dev/null",
                                         target == 0 ? O_RDONLY : O_WRONLY, 0);
}

}  // namespace

std::string ChildExit::describe() const {
    if (timed_out) return "timed out and was killed";
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "wait status " + std::to_string(status);
}

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, const ChildIo& io,
                                         const std::vector<std::string>& environment) {
    if (argv.empty() || argv[0].empty()) return make_error(Errc::config, "no program to run");
    SpawnSetup setup;
    set_descriptor(setup, io.in, 0);
    set_descriptor(setup, io.out, 1);
    set_descriptor(setup, io.err, 2);
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGXFSZ);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
    posix_spawnattr_setsigmask(&setup.attributes, &none);
    posix_spawnattr_setpgroup(&setup.attributes, 0);
    posix_spawnattr_setflags(
        &setup.attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    std::vector<std::string> args = argv;
    std::vector<std::string> env = merged_environment(environment);
    auto arg_pointers = pointers(args);
    auto env_pointers = pointers(env);
    pid_t pid = -1;
    int e = ::posix_spawnp(&pid, args[0].c_str(), &setup.actions, &setup.attributes,
                           arg_pointers.data(), env_pointers.data());
    if (e != 0)
        return make_error(Errc::storage,
                          "cannot run " + argv[0] + ": " + std::generic_category().message(e));
    return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        kill();
        pid_ = std::exchange(other.pid_, -1);
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    kill();
}

void ChildProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it left its process group
    reap();
}

ChildExit ChildProcess::reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return {false, status};
}

asio::awaitable<ChildExit> ChildProcess::wait(Duration timeout) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    timer.expires_after(timeout);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (pidfd.valid()) {
        asio::posix::stream_descriptor exited(executor, pidfd.get());
        using asio::experimental::awaitable_operators::operator||;
        auto winner =
            co_await (exited.async_wait(asio::posix::descriptor_base::wait_read, use_tuple) ||
                      timer.async_wait(use_tuple));
        exited.release();
        if (winner.index() == 0) co_return reap();
    } else {
        // No pidfd (old kernel): look every 20 ms.
        asio::steady_timer tick(executor);
        while (std::chrono::steady_clock::now() < timer.expiry()) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                co_return ChildExit{false, status};
            }
            tick.expires_after(std::chrono::milliseconds(20));
            co_await tick.async_wait(use_tuple);
        }
    }
    kill();
    co_return ChildExit{true, 0};
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return make_error(Errc::storage, std::string("cannot make a pipe: ") +
                                             std::generic_category().message(errno));
    return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

asio::awaitable<ChildResult> wait_collecting(ChildProcess& child, UniqueFd output, Duration timeout,
                                             std::size_t limit) {
    auto executor = co_await asio::this_coro::executor;
    asio::posix::stream_descriptor pipe(executor, output.release());
    std::string collected;
    std::array<char, 4096> buffer{};
    auto keep = [&](std::size_t n) {
        collected.append(buffer.data(), std::min(n, limit - std::min(limit, collected.size())));
    };
    auto reader = [&]() -> asio::awaitable<void> {
        for (;;) {
            auto [ec, n] = co_await pipe.async_read_some(asio::buffer(buffer), use_tuple);
            if (ec) co_return;
            keep(n);
        }
    };
    auto waiter = [&]() -> asio::awaitable<ChildExit> {
        ChildExit exit = co_await child.wait(timeout);
        pipe.cancel();  // a daemon it left behind may hold the pipe open
        co_return exit;
    };
    using asio::experimental::awaitable_operators::operator&&;
    ChildExit exit = co_await (waiter() && reader());
    // What the child wrote just before it ended may still be in the pipe.
    pipe.non_blocking(true);
    std::error_code ec;
    for (int i = 0; i < 64; ++i) {
        std::size_t n = pipe.read_some(asio::buffer(buffer), ec);
        if (ec || n == 0) break;
        keep(n);
    }
    co_return ChildResult{exit, std::move(collected)};
}

}  // namespace odmr::deliver
