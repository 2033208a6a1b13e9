#include "util/secret.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/regular_file.h"

namespace odmr {

Secret::Secret(std::string_view value) : size_(value.size()) {
    if (size_ == 0) return;
    data_ = static_cast<char*>(sodium_malloc(size_));
    if (data_ == nullptr) std::abort();  // out of locked memory: nothing sensible to do
    std::memcpy(data_, value.data(), size_);
    sodium_mprotect_noaccess(data_);
}

Secret::~Secret() {
    release();
}

Secret::Secret(Secret&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        release();
        data_ = other.data_;
        size_ = other.size_;
        other.data_ = nullptr;
        other.size_ = 0;
    }
    return *this;
}

void Secret::release() {
    if (data_ != nullptr) sodium_free(data_);  // wipes before freeing
    data_ = nullptr;
    size_ = 0;
}

void Secret::unlock() const {
    if (data_ != nullptr) sodium_mprotect_readonly(data_);
}

void Secret::lock() const {
    if (data_ != nullptr) sodium_mprotect_noaccess(data_);
}

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

namespace {

constexpr std::size_t max_secret_line = 4096;

// Reads at most `limit` bytes of the open file into guarded memory; `use`
// sees them and returns the result.
template <class F>
auto with_guarded_contents(int fd, std::size_t limit, F&& use)
    -> decltype(use(std::string_view())) {
    auto* buffer = static_cast<char*>(sodium_malloc(limit));
    if (buffer == nullptr) return make_error(Errc::software, "cannot allocate guarded memory");
    struct Free {
        char* p;
        ~Free() { sodium_free(p); }  // wipes before freeing
    } free_buffer{buffer};
    std::size_t used = 0;
    while (used < limit) {
        ssize_t n = ::read(fd, buffer + used, limit - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(std::error_code(errno, std::generic_category()), "read");
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    return use(std::string_view(buffer, used));
}

Result<OpenedFile> open_secret(const std::string& path, bool require_private) {
    auto file = open_regular_file(path, false);
    if (!file) return file.error();
    if (require_private) {
        if (auto access = check_file_access(path, file->status, FileContent::secret); !access)
            return access.error();
    }
    return file;
}

}  // namespace

Result<Secret> read_secret_file(const std::string& path, bool require_private) {
    auto file = open_secret(path, require_private);
    if (!file) return file.error();
    // Read into locked memory directly so the password never sits in the heap.
    return with_guarded_contents(
        file->fd.get(), max_secret_line + 2, [&](std::string_view content) -> Result<Secret> {
            auto end = content.find_first_of("\r\n");
            if (std::min(end, content.size()) > max_secret_line)
                return make_error(Errc::config, path + ": the first line is longer than " +
                                                    std::to_string(max_secret_line) + " bytes");
            Secret secret(content.substr(0, end));
            if (secret.empty()) return make_error(Errc::config, path + ": the first line is empty");
            return secret;
        });
}

Result<Secret> read_secret_contents(const std::string& path, std::size_t max_size,
                                    bool require_private) {
    auto file = open_secret(path, require_private);
    if (!file) return file.error();
    return with_guarded_contents(
        file->fd.get(), max_size + 1, [&](std::string_view content) -> Result<Secret> {
            if (content.size() > max_size)
                return make_error(Errc::config,
                                  path + " is larger than " + std::to_string(max_size) + " bytes");
            return Secret(content);
        });
}

}  // namespace odmr
