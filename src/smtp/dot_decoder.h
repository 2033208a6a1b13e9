// The DATA body decoder (RFC 5321 §4.5.2): removes dot-stuffing and finds
// the terminating "." line, across arbitrary chunk boundaries. Line ends are
// passed through as received (CRLF); a bare LF also ends a line.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace odmr::smtp {

class DotDecoder {
public:
    struct Step {
        std::size_t consumed = 0;  // input bytes used; the rest belongs to the next command
        bool done = false;         // the terminating line was seen
    };

    // Appends decoded message bytes to `out`.
    Step decode(std::span<const char> in, std::string& out);
    void reset() { state_ = State::line_start; }

private:
    enum class State { line_start, dot, dot_cr, mid_line };
    State state_ = State::line_start;
};

}  // namespace odmr::smtp
