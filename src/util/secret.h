// A password or token held in libsodium guarded memory: locked out of swap,
// fenced by guard pages, inaccessible except while being read, and wiped
// when freed. Never printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr {

class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string_view value);
    ~Secret();
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }

    // Calls `use` with a read-only view; the memory is locked again after.
    template <class F>
    auto with(F&& use) const {
        unlock();
        struct Relock {
            const Secret* self;
            ~Relock() { self->lock(); }
        } relock{this};
        return use(std::string_view(data_, size_));
    }

  private:
    void unlock() const;
    void lock() const;
    void release();

    char* data_ = nullptr;
    std::size_t size_ = 0;
};

// Reads the first line of `path` (without its line ending) as a secret.
Result<Secret> read_secret_file(const std::string& path);

// Overwrites a string's bytes before it is released.
void wipe(std::string& s);

}  // namespace odmr
