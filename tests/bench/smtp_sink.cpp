// The benchmark's local SMTP server: accepts every message and throws it
// away, so that what is measured is the program relaying into it (fetchmail
// in ODMR mode, odmr-fetch --deliver smtp:), not a mail server's own spool.
//
//   odmr_bench_sink PORT_FILE COUNT_FILE
//
// Listens on 127.0.0.1 (any free port, written to PORT_FILE), one thread per
// connection. Speaks ESMTP with PIPELINING, 8BITMIME, SIZE and CHUNKING:
// replies to pipelined commands are written together when no more input is
// waiting (RFC 2920). After each connection it writes the total of messages
// accepted so far to COUNT_FILE. Runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

class Connection {
  public:
    explicit Connection(int fd) : fd_(fd) {}
    ~Connection() { ::close(fd_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Serves the session; returns the number of messages accepted.
    long serve() {
        out_ = "220 sink.bench ESMTP discard\r\n";
        std::string line;
        while (next_line(line)) {
            std::string verb = line.substr(0, 4);
            for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (verb == "EHLO" || verb == "LHLO")
                out_ +=
                    "250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n"
                    "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n";
            else if (verb == "DATA") {
                out_ += "354 go ahead\r\n";
                if (!skip_dot_body()) return accepted_;
                out_ += "250 2.0.0 discarded\r\n";
                ++accepted_;
            } else if (verb == "BDAT") {
                if (!bdat(line)) return accepted_;
            } else if (verb == "QUIT") {
                out_ += "221 2.0.0 bye\r\n";
                flush();
                return accepted_;
            } else
                out_ += "250 2.0.0 ok\r\n";  // HELO, MAIL, RCPT, RSET, NOOP
        }
        return accepted_;
    }

  private:
    // Appends what the peer sends next; replies go out first when nothing
    // more is buffered (the peer waits for them).
    bool fill() {
        flush();
        char block[65536];
        ssize_t n = ::read(fd_, block, sizeof block);
        if (n <= 0) return false;
        in_.append(block, static_cast<std::size_t>(n));
        return true;
    }

    void flush() {
        std::size_t sent = 0;
        while (sent < out_.size()) {
            ssize_t n = ::write(fd_, out_.data() + sent, out_.size() - sent);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        out_.clear();
    }

    bool next_line(std::string& line) {
        for (;;) {
            auto end = in_.find("\r\n", begin_);
            if (end != std::string::npos) {
                line.assign(in_, begin_, end - begin_);
                begin_ = end + 2;
                return true;
            }
            if (begin_ == in_.size()) {
                in_.clear();
                begin_ = 0;
            }
            if (!fill()) return false;
        }
    }

    // Message data up to and including the CRLF.CRLF that ends it (the
    // CRLF ending the DATA line counts: an empty body is just ".").
    bool skip_dot_body() {
        std::size_t from = begin_ - 2;
        for (;;) {
            auto end = in_.find("\r\n.\r\n", from);
            if (end != std::string::npos) {
                begin_ = end + 5;
                return true;
            }
            in_.erase(0, in_.size() - std::min<std::size_t>(in_.size(), 4));
            begin_ = in_.size();
            from = 0;
            if (!fill()) return false;
        }
    }

    bool bdat(const std::string& line) {
        std::size_t size = std::strtoul(line.c_str() + 5, nullptr, 10);
        bool last =
            line.find("LAST") != std::string::npos || line.find("last") != std::string::npos;
        while (in_.size() - begin_ < size) {
            size -= in_.size() - begin_;
            in_.clear();
            begin_ = 0;
            if (!fill()) return false;
        }
        begin_ += size;
        if (last) {
            out_ += "250 2.0.0 discarded\r\n";
            ++accepted_;
        } else
            out_ += "250 2.0.0 chunk\r\n";
        return true;
    }

    int fd_;
    std::string in_;
    std::size_t begin_ = 0;
    std::string out_;
    long accepted_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: odmr_bench_sink PORT_FILE COUNT_FILE\n");
        return 64;
    }
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
    if (::listen(listener, 64) != 0) die("listen");
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::string temporary = std::string(argv[1]) + ".tmp";
    if (std::FILE* f = std::fopen(temporary.c_str(), "w")) {
        std::fprintf(f, "%d\n", ntohs(address.sin_port));
        std::fclose(f);
    }
    if (::rename(temporary.c_str(), argv[1]) != 0) die("rename");
    std::atomic<long> total{0};
    std::string count_file = argv[2];
    for (;;) {
        int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread([fd, &total, count_file] {
            long accepted = Connection(fd).serve();
            long now = total += accepted;
            std::string temporary = count_file + ".tmp." + std::to_string(fd);
            if (std::FILE* f = std::fopen(temporary.c_str(), "w")) {
                std::fprintf(f, "%ld\n", now);
                std::fclose(f);
                ::rename(temporary.c_str(), count_file.c_str());
            }
        }).detach();
    }
}
