#include "net/reader.h"

#include <algorithm>
#include <cstring>

namespace odmr::net {

Reader::Reader(Stream& stream, std::size_t capacity)
    : stream_(stream),
      buf_(std::make_unique_for_overwrite<char[]>(capacity)),
      capacity_(capacity) {}

bool Reader::has_line() const {
    auto data = buffered();
    return std::find(data.begin(), data.end(), '\n') != data.end();
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
    co_return co_await read_line(max, Deadline(timeout));
}

asio::awaitable<Result<std::string_view>> Reader::read_line(std::size_t max, Deadline deadline) {
    std::size_t scanned = 0;  // bytes of the current line already searched
    bool too_long = false;
    for (;;) {
        auto data = buffered();
        auto newline =
            std::find(data.begin() + static_cast<std::ptrdiff_t>(scanned), data.end(), '\n');
        if (newline != data.end()) {
            std::size_t length = static_cast<std::size_t>(newline - data.begin());
            begin_ += length + 1;
            if (too_long || length > max + 1)
                co_return make_error(Errc::line_too_long,
                                     "line longer than " + std::to_string(max) + " octets");
            if (length > 0 && data[length - 1] == '\r') --length;
            if (length > max)
                co_return make_error(Errc::line_too_long,
                                     "line longer than " + std::to_string(max) + " octets");
            co_return std::string_view(data.data(), length);
        }
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
