#include "deliver/maildir_name.h"

#include <sodium.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace odmr::deliver {

std::string maildir_safe_host(std::string_view host) {
    std::string out;
    for (char c : host) {
        if (c == '/')
            out += "\\057";
        else if (c == ':')
            out += "\\072";
        else if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
            out += '_';
        else
            out += c;
    }
    return out.empty() ? "localhost" : out;
}

namespace {

// `value` in decimal (or hex), left-padded with zeros to `width`; std::to_chars,
// as snprintf(3) costs thousands of instructions per name.
char* put(char* at, char* end, std::uint64_t value, int base = 10, std::size_t width = 0) {
    char digits[24];
    auto done = std::to_chars(digits, digits + sizeof digits, value, base);
    auto n = static_cast<std::size_t>(done.ptr - digits);
    for (; n < width && at < end; --width) *at++ = '0';
    n = std::min(n, static_cast<std::size_t>(end - at));
    std::memcpy(at, digits, n);
    return at + n;
}

char* put_signed(char* at, char* end, std::int64_t value, std::size_t width = 0) {
    if (value < 0 && at < end) {
        *at++ = '-';
        return put(at, end, 0 - static_cast<std::uint64_t>(value), 10, width > 0 ? width - 1 : 0);
    }
    return put(at, end, static_cast<std::uint64_t>(value), 10, width);
}

}  // namespace

std::string maildir_unique_name(const NameParts& parts) {
    char buffer[128];
    char* end = buffer + sizeof buffer;
    char* at = put_signed(buffer, end, parts.seconds);
    *at++ = '.';
    *at++ = 'M';
    at = put_signed(at, end, parts.microseconds, 6);
    *at++ = 'P';
    at = put_signed(at, end, parts.pid);
    *at++ = 'Q';
    at = put(at, end, parts.count);
    *at++ = 'R';
    at = put(at, end, parts.random, 16, 16);
    *at++ = '.';
    std::string name;
    name.reserve(static_cast<std::size_t>(at - buffer) + parts.host.size());
    name.append(buffer, at);
    name.append(parts.host);
    return name;
}

namespace {

// Consumes `prefix` and then characters of `allowed` from `rest`: at least
// `least`, and exactly `least` when `exact`.
bool take(std::string_view& rest, std::string_view prefix, std::string_view allowed,
          std::size_t least = 1, bool exact = false) {
    if (!rest.starts_with(prefix)) return false;
    rest.remove_prefix(prefix.size());
    std::size_t n = 0;
    while (n < rest.size() && allowed.find(rest[n]) != std::string_view::npos) ++n;
    rest.remove_prefix(n);
    return exact ? n == least : n >= least;
}

}  // namespace

bool is_maildir_unique_name(std::string_view name) {
    constexpr std::string_view digits = "0123456789";
    constexpr std::string_view hex = "0123456789abcdef";
    std::string_view rest = name;
    bool shaped = take(rest, "", digits) && take(rest, ".M", digits, 6) &&
                  take(rest, "P", digits) && take(rest, "Q", digits) &&
                  take(rest, "R", hex, 16, true) && rest.starts_with('.');
    if (!shaped) return false;
    rest.remove_prefix(1);  // the host: safe_host() output, never empty
    return !rest.empty() && rest.find('/') == std::string_view::npos &&
           rest.find(':') == std::string_view::npos;
}

std::string MaildirNamer::next() {
    timeval now{};
    gettimeofday(&now, nullptr);
    std::uint64_t random = 0;
    randombytes_buf(&random, sizeof random);
    return maildir_unique_name(
        {now.tv_sec, now.tv_usec, static_cast<std::int64_t>(getpid()), ++count_, random, host_});
}

}  // namespace odmr::deliver
