// Unique file names for Maildir deliveries, per the Maildir specification
// (cr.yp.to/proto/maildir.html, with the modern "M<usec>P<pid>" form):
// "<seconds>.M<microseconds>P<pid>Q<count>R<random>.<host>", where the host
// name has '/' and ':' escaped as "\057" and "\072".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace odmr::deliver {

struct NameParts {
    std::int64_t seconds = 0;
    std::int64_t microseconds = 0;
    std::int64_t pid = 0;
    std::uint64_t count = 0;   // deliveries by this process so far
    std::uint64_t random = 0;  // 64 random bits
    std::string_view host;
};

std::string maildir_unique_name(const NameParts& parts);
std::string maildir_safe_host(std::string_view host);

// True when `name` has the form maildir_unique_name() produces: the only
// names the stale-file cleaner may remove from a tmp/ it did not create.
bool is_maildir_unique_name(std::string_view name);

// Produces a fresh name per call for this process (clock, pid, counter, random).
class MaildirNamer {
  public:
    explicit MaildirNamer(std::string_view host) : host_(maildir_safe_host(host)) {}
    std::string next();

  private:
    std::string host_;
    std::uint64_t count_ = 0;
};

}  // namespace odmr::deliver
