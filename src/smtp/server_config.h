// The reversed session's limits and names.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "smtp/stored_bounds.h"
#include "util/time.h"

namespace odmr::smtp {

struct ServerConfig {
    std::string hostname;              // our name in the greeting and trace headers
    std::vector<std::string> domains;  // recipients must be in one of these (A-labels)
    // Refuse "v%victim.test@" and the like (smtp/recipient_policy): set by
    // the app for the sinks that relay, unless --allow-routing-addresses.
    bool refuse_routing_addresses = false;
    std::size_t max_message_size = 200 * 1024 * 1024;
    std::size_t max_recipients = 1000;    // per transaction
    StoredLimits stored;                  // size x copies, per message and per session
    std::size_t max_errors = 20;          // erroneous commands before we hang up
    std::size_t max_commands = 1000000;   // per session
    std::size_t max_line = 1000;          // command line octets, CRLF excluded
    std::size_t max_body_line = 1 << 20;  // message line octets, CRLF excluded
    Duration command_timeout = std::chrono::minutes(5);
    Duration data_timeout = std::chrono::minutes(5);   // per read of message data
    Duration session_timeout = std::chrono::hours(3);  // the whole reversed session
};

}  // namespace odmr::smtp
