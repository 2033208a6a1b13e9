// The reversed session's limits and names, and its clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "net/stream.h"

namespace odmr::smtp {

struct ServerConfig {
    std::string hostname;              // our name in the greeting and trace headers
    std::vector<std::string> domains;  // recipients must be in one of these
    std::size_t max_message_size = 200 * 1024 * 1024;
    std::size_t max_recipients = 1000;    // per transaction
    std::size_t max_errors = 20;          // erroneous commands before we hang up
    std::size_t max_commands = 1000000;   // per session
    std::size_t max_line = 1000;          // command line octets, CRLF excluded
    std::size_t max_body_line = 1 << 20;  // message line octets, CRLF excluded
    net::Duration command_timeout = std::chrono::minutes(5);
    net::Duration data_timeout = std::chrono::minutes(5);   // per read of message data
    net::Duration session_timeout = std::chrono::hours(3);  // the whole reversed session
};

// When the whole session must be over (ServerConfig::session_timeout).
class SessionDeadline {
  public:
    explicit SessionDeadline(net::Duration limit)
        : end_(std::chrono::steady_clock::now() + limit) {}

    // `limit`, or less when the session ends sooner; never negative.
    net::Duration left(net::Duration limit) const {
        auto left = end_ - std::chrono::steady_clock::now();
        return std::max(net::Duration::zero(), std::min(limit, left));
    }
    bool passed() const { return std::chrono::steady_clock::now() >= end_; }

  private:
    std::chrono::steady_clock::time_point end_;
};

}  // namespace odmr::smtp
