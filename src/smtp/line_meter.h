// Line lengths of message data, for --max-line-length: in octets without the
// line end (CRLF, or a bare LF), across arbitrary chunk boundaries. Shared by
// DATA (the DotDecoder feeds it the runs it finds) and BDAT (measure() scans
// the raw chunk), so both count a line the same way.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>

namespace odmr::smtp {

class LineMeter {
  public:
    // Octets of the current line, none of them LF.
    void append(const char* octets, std::size_t n) {
        if (n == 0) return;
        line_ += n;
        ends_in_cr_ = octets[n - 1] == '\r';
    }
    // An LF ends the current line; a CR just before it belongs to the line end.
    void end_line() {
        longest_ = std::max(longest_, current());
        line_ = 0;
        ends_in_cr_ = false;
    }
    // Raw message data, LFs included.
    void measure(std::span<const char> bytes) {
        const char* p = bytes.data();
        std::size_t left = bytes.size();
        while (const void* lf = left == 0 ? nullptr : std::memchr(p, '\n', left)) {
            auto run = static_cast<std::size_t>(static_cast<const char*>(lf) - p);
            append(p, run);
            end_line();
            p += run + 1;
            left -= run + 1;
        }
        append(p, left);
    }

    // The last octet appended was CR (an LF now makes the line end CRLF).
    bool ends_in_cr() const { return ends_in_cr_; }
    // The longest line ended so far.
    std::size_t longest() const { return longest_; }
    // The unfinished line, without a CR that may start its line end.
    std::size_t current() const { return line_ - (ends_in_cr_ ? 1 : 0); }
    // Every line so far, the unfinished one included.
    std::size_t longest_so_far() const { return std::max(longest_, current()); }

  private:
    std::size_t line_ = 0;  // octets of the current line so far
    std::size_t longest_ = 0;
    bool ends_in_cr_ = false;
};

}  // namespace odmr::smtp
