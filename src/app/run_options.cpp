#include "app/run_options.h"

#include <CLI/CLI.hpp>

namespace odmr::app {

void add_run_options(CLI::App& app, RunOptions& o) {
    app.add_option("--jobs", o.jobs, "Accounts fetched at the same time")
        ->type_name("N")
        ->check(CLI::Range(1u, 64u).description(""));
    app.add_option("--lock-wait", o.lock_wait,
                   "Wait up to SECONDS for another run of the same account (default: exit 75)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0u, 86400u).description(""));
    app.add_option("--retry-delay", o.retry_delay,
                   "After a delivery, if the provider turns the line with nothing to send, "
                   "ask once more after DURATION (0: never)")
        ->type_name("DURATION");
    app.add_option("--interval", o.interval,
                   "Poll every DURATION (90s, 5m, 1h) until stopped; SIGUSR1 polls now, "
                   "SIGHUP re-reads the configuration")
        ->type_name("DURATION");
    app.add_flag("--syslog", o.syslog, "Also log to syslog (facility mail, ident odmr-fetch)");
    app.add_option("--report-json", o.report_json,
                   "Write each account's summary as JSON to FILE (- for standard output)")
        ->type_name("FILE|-");
    app.add_option("--metrics-file", o.metrics_file,
                   "Write Prometheus metrics to FILE, atomically (node_exporter's textfile "
                   "collector)")
        ->type_name("FILE");
}

}  // namespace odmr::app
