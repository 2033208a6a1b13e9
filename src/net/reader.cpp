#include "net/reader.h"

#include <algorithm>
#include <cstring>

namespace odmr::net {
namespace {

Error line_too_long(std::size_t max) {
    return make_error(Errc::line_too_long, "line longer than " + std::to_string(max) + " octets");
}

}  // namespace

Reader::Reader(Stream& stream, std::size_t capacity)
    : stream_(stream),
      buf_(std::make_unique_for_overwrite<char[]>(capacity)),
      capacity_(capacity) {}

std::size_t Reader::line_end() const {
    auto data = buffered();
    const auto* lf = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
    return lf == nullptr ? no_line : static_cast<std::size_t>(lf - data.data());
}

Result<std::string_view> Reader::take_line(std::size_t lf, std::size_t max) {
    return take(lf, max, false);
}

Result<std::string_view> Reader::take(std::size_t length, std::size_t max, bool too_long) {
    const char* line = buf_.get() + begin_;
    begin_ += length + 1;
    if (too_long || length > max + 1) return line_too_long(max);
    if (length > 0 && line[length - 1] == '\r') --length;
    if (length > max) return line_too_long(max);
    return std::string_view(line, length);
}

asio::awaitable<Result<std::size_t>> Reader::fill(Duration timeout) {
    if (begin_ == end_) {
        begin_ = end_ = 0;
    } else if (end_ == capacity_) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == capacity_) co_return make_error(Errc::software, "read buffer full");
    auto n = co_await stream_.read_some(std::span(buf_.get() + end_, capacity_ - end_), timeout);
    if (!n) co_return n.error();
    end_ += *n;
    co_return *n;
}

asio::awaitable<Result<std::string_view>> Reader::read_line(std::size_t max, Duration timeout) {
    return read_line(max, Deadline(timeout));  // no coroutine frame of its own
}

asio::awaitable<Result<std::string_view>> Reader::read_line(std::size_t max, Deadline deadline) {
    std::size_t scanned = 0;  // bytes of the current line already searched
    bool too_long = false;
    for (;;) {
        auto data = buffered();
        const auto* newline = static_cast<const char*>(
            std::memchr(data.data() + scanned, '\n', data.size() - scanned));
        if (newline != nullptr)
            co_return take(static_cast<std::size_t>(newline - data.data()), max, too_long);
        if (data.size() > max + 1) {
            too_long = true;  // drop what we have, keep reading to the end of the line
            begin_ = end_;
            scanned = 0;
        } else {
            scanned = data.size();
        }
        if (deadline.passed())
            co_return make_error(Errc::timeout, "timed out waiting for a whole line from the peer");
        auto n = co_await fill(deadline.left());
        if (!n) co_return n.error();
    }
}

}  // namespace odmr::net
