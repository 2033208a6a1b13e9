#include "app/outcome.h"

#include <algorithm>
#include <array>

#include "app/exit_code.h"

namespace odmr::app {

bool is_transient(const Error& error) {
    for (Errc e :
         {Errc::unavailable, Errc::timeout, Errc::connection_lost, Errc::temporary, Errc::stopped})
        if (error.is(e)) return true;
    if (error.code.category() == odmr_category()) return false;
    // errno and library codes: whatever the table calls "try again later".
    int code = exit_code_for(error);
    return code == exit_tempfail || code == exit_unavailable;
}

bool partial_success(const FetchSummary& summary) {
    return summary.error && summary.delivered > 0 && summary.failed == 0 &&
           is_transient(*summary.error);
}

int exit_status(const FetchSummary& summary) {
    if (summary.error && !partial_success(summary)) return exit_code_for(*summary.error);
    return summary.delivered > 0 || summary.uncounted > 0 ? exit_delivered : exit_no_mail;
}

int combine(std::span<const int> statuses) {
    // What needs a person most comes first: a broken setup before a broken
    // provider before a failure that passes by itself.
    static constexpr std::array<int, 9> urgency{exit_config,   exit_software, exit_usage,
                                                exit_noperm,   exit_protocol, exit_ioerr,
                                                exit_nohost,   exit_unavailable, exit_tempfail};
    for (int code : urgency)
        if (std::find(statuses.begin(), statuses.end(), code) != statuses.end()) return code;
    for (int code : statuses)
        if (code != exit_delivered && code != exit_no_mail) return code;  // not in the table
    if (std::find(statuses.begin(), statuses.end(), exit_delivered) != statuses.end())
        return exit_delivered;
    return exit_no_mail;
}

}  // namespace odmr::app
