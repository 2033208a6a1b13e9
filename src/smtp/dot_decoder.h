// The DATA body decoder (RFC 5321 §4.5.2): removes dot-stuffing and finds
// the end of the data across arbitrary chunk boundaries.
//
// Line-ending policy (the same as Postfix's smtpd_forbid_bare_newline =
// normalize, which closes the "SMTP smuggling" hole): only CRLF "." CRLF ends
// the data, and dots are special only at the start of a CRLF-terminated
// line. A bare LF inside the body is normalised to CRLF; a bare CR and NUL
// pass through unchanged. Nothing is ever dropped silently.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "smtp/line_meter.h"

namespace odmr::smtp {

class DotDecoder {
  public:
    struct Step {
        std::size_t consumed = 0;  // input bytes used; the rest belongs to the next command
        bool done = false;         // the terminating line was seen
    };

    // Appends decoded message bytes (CRLF line ends) to `out`.
    Step decode(std::span<const char> in, std::string& out);
    void reset();

    // The longest line seen so far, in octets without its line end.
    std::size_t longest_line() const { return lines_.longest(); }
    std::size_t bare_newlines() const { return bare_lf_; }

  private:
    std::size_t scan_lines(std::span<const char> in, std::size_t i, std::string& out);
    std::size_t scan_lines_avx2(std::span<const char> in, std::size_t i, std::string& out);
    template <bool avx2>
    std::size_t scan_lines_with(std::span<const char> in, std::size_t i, std::string& out);

    enum class State { line_start, dot, dot_cr, mid_line };
    State state_ = State::line_start;
    LineMeter lines_;
    std::size_t bare_lf_ = 0;
};

}  // namespace odmr::smtp
