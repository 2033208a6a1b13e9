// Buffered, bounded reading from a Stream: whole lines for commands and
// replies, raw buffered bytes for message bodies. The buffer never grows;
// a line longer than the caller's bound is an error, not an allocation.
#pragma once

#include <asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string_view>

#include "net/stream.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::net {

class Reader {
  public:
    // Large enough that a big BDAT chunk over plain TCP comes in 256 KiB
    // reads (a quarter of the system calls of 64 KiB ones). The buffer is
    // not zero-filled, so pages a connection never reads into (commands,
    // TLS, which hands over at most OpenSSL's read-ahead at a time) are
    // never touched and cost no memory.
    static constexpr std::size_t default_capacity = 256 * 1024;

    explicit Reader(Stream& stream, std::size_t capacity = default_capacity);

    // The next line without its line ending (CRLF, or a bare LF which is
    // tolerated). The view is valid until the next call. A line of more than
    // `max` octets is read to its end, discarded, and reported as
    // Errc::line_too_long. The whole line must arrive before the deadline
    // (`timeout` from now), however the peer spreads its bytes over time;
    // else Errc::timeout.
    asio::awaitable<Result<std::string_view>> read_line(std::size_t max, Duration timeout);
    asio::awaitable<Result<std::string_view>> read_line(std::size_t max, Deadline deadline);

    bool has_line() const { return line_end() != no_line; }
    // Where the next buffered line ends (its LF, counted from the start of
    // buffered()), or no_line when no whole line is buffered.
    static constexpr std::size_t no_line = static_cast<std::size_t>(-1);
    std::size_t line_end() const;
    // The line that ends at `lf` (from line_end()), taken without waiting:
    // what read_line() returns for a line already buffered.
    Result<std::string_view> take_line(std::size_t lf, std::size_t max);
    std::span<const char> buffered() const { return {buf_.get() + begin_, end_ - begin_}; }
    void consume(std::size_t n) { begin_ += n; }
    void discard() { begin_ = end_ = 0; }

    // Reads whatever the peer sends next (at least one byte) into the buffer;
    // `timeout` is for this one read (message data: a slow but steady peer
    // is not cut off; the session's own limit bounds the whole).
    asio::awaitable<Result<std::size_t>> fill(Duration timeout);

    Stream& stream() { return stream_; }

  private:
    // Consumes the line of `length` octets and its LF.
    Result<std::string_view> take(std::size_t length, std::size_t max, bool too_long);

    Stream& stream_;
    std::unique_ptr<char[]> buf_;
    std::size_t capacity_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

}  // namespace odmr::net
