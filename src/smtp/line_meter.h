// Line lengths of message data, for --max-line-length: in octets without the
// line end (CRLF, or a bare LF), across arbitrary chunk boundaries. Shared by
// DATA (the DotDecoder feeds it the runs it finds) and BDAT (measure() scans
// the raw chunk), so both count a line the same way.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>

#include "util/byte_scan.h"

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
    // A whole CRLF line of `length` octets (CRLF excluded) that a caller
    // found by its own scan, with no unfinished line before it.
    void add_line(std::size_t length) { longest_ = std::max(longest_, length); }
    // Raw message data, LFs included.
    void measure(std::span<const char> bytes) {
        const char* line = bytes.data();
        const char* end = line + bytes.size();
        scan::each(line, end, '\n', [&](const char* lf) {
            append(line, static_cast<std::size_t>(lf - line));
            end_line();
            line = lf + 1;
            return true;
        });
        append(line, static_cast<std::size_t>(end - line));
    }
    // The same, for when only a line longer than `bound` matters (BDAT's
    // --max-line-length): in a stretch of at most bound + 1 octets, a line
    // between its first and its last LF is shorter than `bound`, so only
    // those two are looked for (memchr, memrchr), not every LF. Afterwards
    // longest_so_far() is exact when some line is longer than `bound`, and
    // otherwise at most `bound`.
    void measure(std::span<const char> bytes, std::size_t bound) {
        const std::size_t stretch = bound + 1;
        while (!bytes.empty()) {
            auto part = bytes.first(std::min(bytes.size(), stretch));
            bytes = bytes.subspan(part.size());
            const char* begin = part.data();
            const char* end = begin + part.size();
            const auto* first = static_cast<const char*>(std::memchr(begin, '\n', part.size()));
            if (first == nullptr) {
                append(begin, part.size());
                continue;
            }
            append(begin, static_cast<std::size_t>(first - begin));
            end_line();
            const auto* last = static_cast<const char*>(
                ::memrchr(first, '\n', static_cast<std::size_t>(end - first)));
            append(last + 1, static_cast<std::size_t>(end - last - 1));
        }
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
