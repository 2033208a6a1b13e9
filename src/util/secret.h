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

// Reads the first line of `path` (without its line ending) as a secret. The
// file must be a regular file, not a symbolic link; a first line longer than
// 4,096 bytes is refused, never cut. With `require_private`, ssh's rule
// (util/regular_file.h) is enforced on the opened file.
Result<Secret> read_secret_file(const std::string& path, bool require_private = false);

// The whole of `path` (at most `max_size` bytes) as a secret, e.g. ~/.netrc.
Result<Secret> read_secret_contents(const std::string& path, std::size_t max_size,
                                    bool require_private = false);

// Overwrites a string's bytes before it is released.
void wipe(std::string& s);

}  // namespace odmr
