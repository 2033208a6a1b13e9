// The options that say how accounts run (rather than what an account is):
// concurrency, locking, asking once more, polling, logs and reports. They
// live apart from app/options.h so that Options only gains one member.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace odmr::app {

struct RunOptions {
    unsigned jobs = 4;               // accounts fetched at once
    unsigned lock_wait = 0;          // seconds to wait for another run's lock
    std::string retry_delay = "3s";  // pause before asking once more; 0 never asks
    std::string interval;            // poll every DURATION until stopped; empty: once
    bool syslog = false;             // also log to syslog (facility mail)
    std::string report_json;         // write the run's summaries as JSON here ("-": stdout)
    std::string metrics_file;        // write Prometheus metrics here (atomically)
};

void add_run_options(CLI::App& app, RunOptions& options);

}  // namespace odmr::app
