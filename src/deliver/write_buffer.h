// The bytes a sink gathers before a write(2): converters write straight into
// its free room (no zero-fill, no append per line). Grows only when one
// piece is larger than it, which a header block of many recipients can be.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace odmr::deliver {

class WriteBuffer {
  public:
    explicit WriteBuffer(std::size_t capacity)
        : data_(std::make_unique_for_overwrite<char[]>(capacity)), capacity_(capacity) {}

    std::string_view view() const { return {data_.get(), size_}; }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    std::size_t room() const { return capacity_ - size_; }
    void clear() { size_ = 0; }

    // room() octets to write into; grow() then counts those written.
    char* tail() { return data_.get() + size_; }
    void grow(std::size_t n) { size_ += n; }

    // Makes room() at least `n`, keeping the contents.
    void reserve_room(std::size_t n) {
        if (room() >= n) return;
        std::size_t capacity = std::max(capacity_ * 2, size_ + n);
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }
    void append(std::string_view bytes) {
        reserve_room(bytes.size());
        std::memcpy(tail(), bytes.data(), bytes.size());
        size_ += bytes.size();
    }

  private:
    std::unique_ptr<char[]> data_;
    std::size_t capacity_;
    std::size_t size_ = 0;
};

}  // namespace odmr::deliver
