// --metrics-file: Prometheus text format for node_exporter's textfile
// collector, one series per account:
//   odmr_fetch_last_run_timestamp_seconds      when the last run ended
//   odmr_fetch_last_success_timestamp_seconds  when a run last ended with 0 or 1
//   odmr_fetch_last_run_status                 its exit status
//   odmr_fetch_messages_total, _octets_total   delivered, over all runs
//   odmr_fetch_failures_total, _runs_total     runs that failed, all runs
// Totals and the last success carry over from the file's previous content,
// so one-shot runs from cron add up; accounts of other runs are kept.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/report.h"

namespace odmr::app {

// (metric name, account) -> value, as read back from a previous file.
using Series = std::map<std::pair<std::string, std::string>, double>;

Series parse_metrics(std::string_view text);
std::string to_prometheus(const std::vector<AccountReport>& reports, Series previous);

}  // namespace odmr::app
