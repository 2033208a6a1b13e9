#include "deliver/maildir_name.h"

#include <sodium.h>
#include <sys/time.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

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

std::string maildir_unique_name(const NameParts& parts) {
    char buffer[128];
    int n = std::snprintf(buffer, sizeof buffer,
                          "%" PRId64 ".M%06" PRId64 "P%" PRId64 "Q%" PRIu64 "R%016" PRIx64 ".",
                          parts.seconds, parts.microseconds, parts.pid, parts.count, parts.random);
    return std::string(buffer, static_cast<std::size_t>(n)) + std::string(parts.host);
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
