#include "smtp/dot_decoder.h"

#include <cstring>

namespace odmr::smtp {

void DotDecoder::reset() {
    *this = DotDecoder();
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
                    lines_.append(".", 1);
                    state_ = State::mid_line;
                } else {
                    state_ = State::mid_line;  // a stuffed dot: dropped
                }
                break;
            case State::dot_cr:
                if (in[i] == '\n') {
                    state_ = State::line_start;
                    lines_.append(".\r", 2);
                    lines_.end_line();
                    return {i + 1, true};
                }
                out += '\r';  // ".\r" then more: a stuffed dot followed by a bare CR
                lines_.append("\r", 1);
                state_ = State::mid_line;
                break;
            case State::mid_line: {
                const char* start = in.data() + i;
                const void* found = std::memchr(start, '\n', n - i);
                if (found == nullptr) {
                    out.append(start, n - i);
                    lines_.append(start, n - i);
                    i = n;
                    break;
                }
                std::size_t run = static_cast<std::size_t>(static_cast<const char*>(found) - start);
                out.append(start, run);
                lines_.append(start, run);
                if (lines_.ends_in_cr()) {
                    out += '\n';
                    state_ = State::line_start;
                } else {
                    out += "\r\n";  // bare LF: normalised, and no dot handling after it
                    ++bare_lf_;
                }
                lines_.end_line();
                i += run + 1;
                break;
            }
        }
    }
    return {n, false};
}

}  // namespace odmr::smtp
