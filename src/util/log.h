// The run's diagnostics: one object, passed to whoever needs it (no global
// logger). Level 0 (-q): errors and warnings only; 1 (default): notices such
// as the run's summary; 2 (-v): each message and connection step; 3 (-vv):
// the protocol transcript, with authentication payloads already redacted by
// the callers.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace odmr {

// Appends `text` with every control character (CR, LF, ESC, BEL...) shown as
// "\xNN", so that a peer's bytes never drive the terminal. The log filters
// everything through it; so does any other output of a peer's words.
void append_printable(std::string& out, std::string_view text);

class Log {
  public:
    explicit Log(int level = 1, std::FILE* out = stderr) : level_(level), out_(out) {}

    int level() const { return level_; }
    void error(std::string_view text) const { emit(0, "error: ", text); }
    void warning(std::string_view text) const { emit(0, "warning: ", text); }
    void notice(std::string_view text) const { emit(1, "", text); }
    void info(std::string_view text) const { emit(2, "", text); }
    // A protocol line; `prefix` says who sent it (e.g. "S< ", "C> ").
    void wire(std::string_view prefix, std::string_view line) const { emit(3, prefix, line); }

  private:
    void emit(int min_level, std::string_view prefix, std::string_view text) const;

    int level_;
    std::FILE* out_;
};

}  // namespace odmr
