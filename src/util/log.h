// The run's diagnostics: one object, passed to whoever needs it (no global
// logger). Level 0 (-q): errors and warnings only; 1 (default): notices such
// as the run's summary; 2 (-v): each message and connection step; 3 (-vv):
// the protocol transcript, with authentication payloads already redacted by
// the callers.
//
// Where lines go (Sinks): the stream (stderr), each line prefixed with its
// syslog priority as "<N>" when that stream is the systemd journal (so that
// `journalctl -p warning` works), and with --syslog also syslog(3), facility
// mail (the ident is the program's name, odmr-fetch).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace odmr {

struct LogSinks {
    bool journal = false;  // prefix "<N>" (sd-daemon(3) style)
    bool syslog = false;   // also syslog(LOG_MAIL | priority)
};

// JOURNAL_STREAM names the device and inode of the journal's stream; true
// when file descriptor `fd` is that stream.
bool is_journal_stream(int fd);
// Appends `text` with every control character (CR, LF, ESC, BEL...) shown as
// "\xNN", so that a peer's bytes never drive the terminal. The log filters
// everything through it; so does any other output of a peer's words.
void append_printable(std::string& out, std::string_view text);

class Log {
  public:
    explicit Log(int level = 1, std::FILE* out = stderr, LogSinks sinks = {})
        : level_(level), out_(out), sinks_(sinks) {}

    int level() const { return level_; }
    void error(std::string_view text) const { emit(0, 3, "error: ", text); }
    void warning(std::string_view text) const { emit(0, 4, "warning: ", text); }
    void notice(std::string_view text) const { emit(1, 5, "", text); }
    void info(std::string_view text) const { emit(2, 6, "", text); }
    // Internal steps worth seeing beside the transcript (-vv).
    void debug(std::string_view text) const { emit(3, 7, "", text); }
    // A protocol line; `prefix` says who sent it (e.g. "S< ", "C> ").
    void wire(std::string_view prefix, std::string_view line) const { emit(3, 7, prefix, line); }

    // Something that draws on the same stream (the status line) is told
    // before each line, so that it can clear itself first.
    struct Overlay {
        virtual ~Overlay() = default;
        virtual void before_line() = 0;
    };
    void set_overlay(Overlay* overlay) { overlay_ = overlay; }

  private:
    void emit(int min_level, int priority, std::string_view prefix, std::string_view text) const;

    int level_;
    std::FILE* out_;
    LogSinks sinks_;
    Overlay* overlay_ = nullptr;
};

}  // namespace odmr
