#include "smtp/dot_decoder.h"

#include <cstring>

namespace odmr::smtp {

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
                    state_ = State::line_start;
                    return {i + 1, true};
                } else {
                    state_ = State::mid_line;  // the stuffed dot is dropped
                }
                break;
            case State::dot_cr:
                if (in[i] == '\n') {
                    state_ = State::line_start;
                    return {i + 1, true};
                }
                out += '\r';  // ".\r" not followed by LF: a line that began with a stuffed dot
                state_ = State::mid_line;
                break;
            case State::mid_line: {
                const void* found = std::memchr(in.data() + i, '\n', n - i);
                std::size_t end = found ? static_cast<std::size_t>(static_cast<const char*>(found) - in.data()) + 1 : n;
                out.append(in.data() + i, end - i);
                i = end;
                if (found) state_ = State::line_start;
                break;
            }
        }
    }
    return {n, false};
}

}  // namespace odmr::smtp
