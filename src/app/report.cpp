#include "app/report.h"

#include <cstdio>

#include "app/exit_code.h"
#include "app/outcome.h"

namespace odmr::app {

std::string outcome_word(const AccountReport& report) {
    const auto& error = report.fetch.error;
    if (report.locked) return "locked";
    if (!error) return report.status == exit_delivered ? "delivered" : "no mail";
    if (partial_success(report.fetch)) return "delivered, then failed temporarily";
    if (error->is(Errc::stopped)) return "stopped";
    return "failed";
}

std::string summary_line(const AccountReport& report) {
    const FetchSummary& f = report.fetch;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", report.seconds);
    auto or_none = [](const std::string& s) { return s.empty() ? std::string("none") : s; };
    return "account=" + report.account + " messages=" + std::to_string(f.delivered) +
           " octets=" + std::to_string(f.octets) + " sessions=" + std::to_string(f.sessions) +
           " seconds=" + seconds + " provider=\"" + report.provider +
           "\" tls=" + or_none(f.tls_version) + " sasl=" + or_none(f.mechanism) + " outcome=\"" +
           outcome_word(report) + "\" status=" + std::to_string(report.status) +
           (f.duplicates > 0 ? " duplicates=" + std::to_string(f.duplicates) : "");
}

}  // namespace odmr::app
