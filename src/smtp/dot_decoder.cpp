#include "smtp/dot_decoder.h"

#include <algorithm>
#include <cstring>

namespace odmr::smtp {

void DotDecoder::reset() {
    *this = DotDecoder();
}

void DotDecoder::end_line(std::size_t length) {
    longest_ = std::max(longest_, length);
    line_ = 0;
}

DotDecoder::Step DotDecoder::decode(std::span<const char> in, std::string& out) {
    std::size_t i = 0;
    const std::size_t n = in.size();
    while (i < n) {
        switch (state_) {
            case State::line_start:
                if (in[i] == '.') {
                    state_ = State::dot;
                    ++i;
                } else {
                    state_ = State::mid_line;
                }
                break;
            case State::dot:
                if (in[i] == '\r') {
                    state_ = State::dot_cr;
                    ++i;
                } else if (in[i] == '\n') {
                    out += '.';  // "." ended by a bare LF is not the end: keep the line as sent
                    previous_cr_ = false;
                    line_ = 1;
                    state_ = State::mid_line;
                } else {
                    line_ = 0;  // a stuffed dot: dropped
                    previous_cr_ = false;
                    state_ = State::mid_line;
                }
                break;
            case State::dot_cr:
                if (in[i] == '\n') {
                    state_ = State::line_start;
                    previous_cr_ = false;
                    end_line(1);
                    return {i + 1, true};
                }
                out += '\r';  // ".\r" then more: a stuffed dot followed by a bare CR
                previous_cr_ = true;
                line_ = 1;
                state_ = State::mid_line;
                break;
            case State::mid_line: {
                const char* start = in.data() + i;
                const void* found = std::memchr(start, '\n', n - i);
                if (found == nullptr) {
                    out.append(start, n - i);
                    line_ += n - i;
                    previous_cr_ = in[n - 1] == '\r';
                    i = n;
                    break;
                }
                std::size_t run = static_cast<std::size_t>(static_cast<const char*>(found) - start);
                out.append(start, run);
                bool crlf = run > 0 ? start[run - 1] == '\r' : previous_cr_;
                std::size_t length = line_ + run - (crlf ? 1 : 0);
                if (crlf) {
                    out += '\n';
                    state_ = State::line_start;
                } else {
                    out += "\r\n";  // bare LF: normalised, and no dot handling after it
                    ++bare_lf_;
                }
                end_line(length);
                previous_cr_ = false;
                i += run + 1;
                break;
            }
        }
    }
    return {n, false};
}

}  // namespace odmr::smtp
