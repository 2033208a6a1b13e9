// Runs the accounts of one invocation: at most --jobs at once, each under
// its lock (app/lock.h), each with its own summary line, all stoppable by
// SIGTERM/SIGINT (app/stop.h); once, or with --interval every DURATION
// until stopped (SIGUSR1 polls now, SIGHUP re-resolves the accounts before
// the next poll). Returns the run's exit status (app/outcome.h).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "app/account.h"
#include "app/duration.h"
#include "app/lock.h"
#include "app/report.h"
#include "util/log.h"

namespace odmr::app {

struct RunSettings {
    unsigned jobs = 4;
    Millis lock_wait{0};
    std::optional<Millis> interval;  // --interval; none: one poll
    std::string report_json;         // --report-json FILE, "-" for stdout
    std::string metrics_file;        // --metrics-file FILE
    bool status_line = false;        // stderr is a terminal and not -q
    Directories directories;
};

Result<RunSettings> run_settings(const RunOptions& options);

// Resolves the accounts again (SIGHUP), from the same command line.
using Resolver = std::function<Result<std::vector<Account>>()>;

int run_accounts(std::vector<Account> accounts, const RunSettings& settings, Log& log,
                 const Resolver& reload = {});

}  // namespace odmr::app
