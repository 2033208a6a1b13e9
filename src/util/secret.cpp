#include "util/secret.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

Result<Secret> read_secret_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return make_error(std::error_code(errno, std::generic_category()), "cannot open " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(Errc::config, path + " is not a regular file");
    }
    // Read into locked memory directly so the password never sits in the heap.
    constexpr std::size_t max_secret = 4096;
    auto* buffer = static_cast<char*>(sodium_malloc(max_secret));
    if (buffer == nullptr) {
        ::close(fd);
        return make_error(Errc::software, "cannot allocate guarded memory");
    }
    std::size_t used = 0;
    while (used < max_secret) {
        ssize_t n = ::read(fd, buffer + used, max_secret - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    std::string_view content(buffer, used);
    auto end = content.find_first_of("\r\n");
    Secret secret(content.substr(0, end));
    sodium_free(buffer);
    if (secret.empty()) return make_error(Errc::config, path + ": the first line is empty");
    return secret;
}

}  // namespace odmr
