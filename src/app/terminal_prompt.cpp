#include "app/terminal_prompt.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace odmr::app {

namespace {

constexpr std::size_t max_typed = 4096;

// Echo off for as long as it lives.
class NoEcho {
  public:
    NoEcho() {
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~NoEcho() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

bool stdin_is_terminal() {
    return ::isatty(STDIN_FILENO) == 1;
}

Result<Secret> prompt_secret(const std::string& prompt) {
    auto* buffer = static_cast<char*>(sodium_malloc(max_typed));
    if (buffer == nullptr) return make_error(Errc::software, "cannot allocate guarded memory");
    struct Free {
        char* p;
        ~Free() { sodium_free(p); }
    } free_buffer{buffer};
    std::size_t used = 0;
    bool ended = false;
    {
        NoEcho no_echo;  // before the prompt: what is typed after it is never shown
        std::fputs(prompt.c_str(), stderr);
        std::fflush(stderr);
        char c = 0;
        while (true) {
            ssize_t n = ::read(STDIN_FILENO, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            if (c == '\n' || c == '\r') {
                ended = true;
                break;
            }
            if (used < max_typed) buffer[used++] = c;
        }
        c = 0;
    }
    if (!ended) std::fputc('\n', stderr);
    if (used == 0) return make_error(Errc::config, "no password was typed");
    return Secret(std::string_view(buffer, used));
}

}  // namespace odmr::app
