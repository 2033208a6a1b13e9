// What one account's run did, for people (one summary line at normal
// verbosity) and for machines (app/report_files: JSON and Prometheus).
#pragma once

#include <string>

#include "app/fetch.h"

namespace odmr::app {

struct AccountReport {
    std::string account;   // Account::name
    std::string provider;  // "host port N"
    FetchSummary fetch;
    double seconds = 0;
    int status = 0;          // the account's exit status (app/outcome.h)
    long long finished = 0;  // Unix time the run ended
    bool locked = false;     // another run held the account's lock
};

// "delivered", "no mail", "delivered, then failed temporarily",
// "locked", "stopped" or "failed".
std::string outcome_word(const AccountReport& report);

// account=NAME messages=N octets=N sessions=N seconds=S provider="..."
// tls=TLSv1.3 sasl=MECH outcome=WORD status=N
std::string summary_line(const AccountReport& report);

}  // namespace odmr::app
