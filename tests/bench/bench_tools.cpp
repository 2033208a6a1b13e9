// The physical limits odmr-fetch is measured against, on this machine:
//
//   bench_tools commit-loop DIR COUNT SIZE   a Maildir's durable-commit loop: write SIZE
//                                            bytes into DIR/tmp, fsync, rename into DIR/new,
//                                            fsync DIR/new; prints commits per second
//   bench_tools loopback BYTES               a plain TCP copy over loopback; prints MB/s
//   bench_tools receive-write DIR BYTES      the least a receiver of one large message must do:
//                                            read BYTES from a loopback socket (a forked
//                                            sender) in 256 KiB reads, write them into a file
//                                            in DIR, fsync; prints MB/s and the receiver's own
//                                            CPU seconds per GB (user + sys)
//   bench_tools measure OUT COMMAND ARGS...  runs COMMAND and writes "status wall user sys
//                                            maxrss_kib" to OUT (a Python parent's rusage
//                                            would count its own pages in a forked child)
//
// Deliberately minimal: no buffering tricks, the same system calls a careful
// delivery agent has to make.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

int commit_loop(const std::string& dir, long count, long size) {
    ::mkdir(dir.c_str(), 0700);
    ::mkdir((dir + "/tmp").c_str(), 0700);
    ::mkdir((dir + "/new").c_str(), 0700);
    int new_dir = ::open((dir + "/new").c_str(), O_RDONLY | O_DIRECTORY);
    if (new_dir < 0) die("open new/");
    std::string data(static_cast<std::size_t>(size), 'x');
    auto start = Clock::now();
    for (long i = 0; i < count; ++i) {
        std::string name = std::to_string(i) + ".bench";
        std::string tmp = dir + "/tmp/" + name;
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) die("open tmp");
        if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
            die("write");
        if (::fsync(fd) != 0) die("fsync");
        if (::close(fd) != 0) die("close");
        if (::rename(tmp.c_str(), (dir + "/new/" + name).c_str()) != 0) die("rename");
        if (::fsync(new_dir) != 0) die("fsync new/");
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    std::printf("%.1f %.1f\n", static_cast<double>(count) / seconds,
                cpu / static_cast<double>(count) * 1e6);
    ::close(new_dir);
    return 0;
}

// A listening socket on an ephemeral loopback port; `address` is set to it.
int listen_on_loopback(sockaddr_in& address) {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
    if (::listen(listener, 1) != 0) die("listen");
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    return listener;
}

// Connects to `address` and writes `bytes` octets in 256 KiB calls.
void send_bytes(const sockaddr_in& address, long long bytes) {
    int out = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(out, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        die("connect");
    std::vector<char> block(256 * 1024, 'x');
    for (long long left = bytes; left > 0;) {
        ssize_t n = ::write(out, block.data(),
                            static_cast<std::size_t>(std::min<long long>(left, block.size())));
        if (n <= 0) die("write");
        left -= n;
    }
    ::close(out);
}

int loopback(long long bytes) {
    sockaddr_in address{};
    int listener = listen_on_loopback(address);
    std::thread writer([&] { send_bytes(address, bytes); });
    int in = ::accept(listener, nullptr, nullptr);
    std::vector<char> block(256 * 1024);
    long long got = 0;
    auto start = Clock::now();
    for (;;) {
        ssize_t n = ::read(in, block.data(), block.size());
        if (n < 0) die("read");
        if (n == 0) break;
        got += n;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    writer.join();
    std::printf("%.1f\n", static_cast<double>(got) / seconds / 1e6);
    return 0;
}

double cpu_seconds(int who) {
    rusage usage{};
    ::getrusage(who, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int receive_write(const std::string& dir, long long bytes) {
    sockaddr_in address{};
    int listener = listen_on_loopback(address);
    pid_t sender = ::fork();
    if (sender < 0) die("fork");
    if (sender == 0) {
        send_bytes(address, bytes);
        ::_exit(0);
    }
    int in = ::accept(listener, nullptr, nullptr);
    ::mkdir(dir.c_str(), 0700);
    std::string path = dir + "/receive-write.bench";
    double cpu_before = cpu_seconds(RUSAGE_SELF);
    auto start = Clock::now();
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (file < 0) die("open");
    std::vector<char> block(256 * 1024);
    long long got = 0;
    for (ssize_t n; (n = ::read(in, block.data(), block.size())) != 0; got += n) {
        if (n < 0) die("read");
        if (::write(file, block.data(), static_cast<std::size_t>(n)) != n) die("write file");
    }
    if (::fsync(file) != 0 || ::close(file) != 0) die("fsync");
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    double cpu = cpu_seconds(RUSAGE_SELF) - cpu_before;
    ::waitpid(sender, nullptr, 0);
    ::unlink(path.c_str());
    std::printf("%.1f %.3f\n", static_cast<double>(got) / seconds / 1e6,
                cpu / (static_cast<double>(got) / 1e9));
    return 0;
}

int measure(const char* out, char** argv) {
    auto start = Clock::now();
    pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::execvp(argv[0], argv);
        die("exec");
    }
    int status = 0;
    rusage usage{};
    if (::wait4(pid, &status, 0, &usage) != pid) die("wait4");
    double wall = std::chrono::duration<double>(Clock::now() - start).count();
    std::FILE* f = std::fopen(out, "w");
    if (f == nullptr) die(out);
    std::fprintf(f, "%d %.6f %.6f %.6f %ld\n",
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), wall,
                 static_cast<double>(usage.ru_utime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec) / 1e6,
                 static_cast<double>(usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_stime.tv_usec) / 1e6,
                 usage.ru_maxrss);
    std::fclose(f);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string what = argc > 1 ? argv[1] : "";
    if (what == "commit-loop" && argc == 5)
        return commit_loop(argv[2], std::atol(argv[3]), std::atol(argv[4]));
    if (what == "loopback" && argc == 3) return loopback(std::atoll(argv[2]));
    if (what == "receive-write" && argc == 4) return receive_write(argv[2], std::atoll(argv[3]));
    if (what == "measure" && argc >= 4) return measure(argv[2], argv + 3);
    std::fprintf(
        stderr,
        "usage: bench_tools commit-loop DIR COUNT SIZE | loopback BYTES | receive-write DIR "
        "BYTES | measure OUT COMMAND...\n");
    return 64;
}
