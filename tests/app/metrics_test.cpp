#include "app/metrics.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using odmr::Errc;
using odmr::Error;
using odmr::make_error;

namespace {

AccountReport run_of(std::string account, std::size_t messages, int status, long long at) {
    AccountReport report;
    report.account = std::move(account);
    report.fetch.delivered = messages;
    report.fetch.octets = messages * 1000;
    report.status = status;
    report.finished = at;
    return report;
}

}  // namespace

TEST_CASE("the metrics of a first run, in the Prometheus text format") {
    auto text = to_prometheus({run_of("example.org", 2, 0, 1700000000)}, {});
    CHECK(text.find("# TYPE odmr_fetch_messages_total counter\n"
                    "odmr_fetch_messages_total{account=\"example.org\"} 2\n") != std::string::npos);
    CHECK(text.find("odmr_fetch_last_success_timestamp_seconds{account=\"example.org\"} "
                    "1700000000\n") != std::string::npos);
    CHECK(text.find("odmr_fetch_octets_total{account=\"example.org\"} 2000\n") !=
          std::string::npos);
    CHECK(text.find("odmr_fetch_failures_total{account=\"example.org\"} 0\n") != std::string::npos);
    CHECK(text.find("# HELP odmr_fetch_runs_total ") != std::string::npos);
}

TEST_CASE("totals and the last success carry over, other accounts are kept") {
    auto first =
        to_prometheus({run_of("example.org", 2, 0, 1000), run_of("other.net", 1, 0, 1000)}, {});
    auto second = to_prometheus({run_of("example.org", 3, 75, 2000)}, parse_metrics(first));
    auto series = parse_metrics(second);
    CHECK(series[{"odmr_fetch_messages_total", "example.org"}] == 5);
    CHECK(series[{"odmr_fetch_runs_total", "example.org"}] == 2);
    CHECK(series[{"odmr_fetch_failures_total", "example.org"}] == 1);
    CHECK(series[{"odmr_fetch_last_run_status", "example.org"}] == 75);
    CHECK(series[{"odmr_fetch_last_run_timestamp_seconds", "example.org"}] == 2000);
    CHECK(series[{"odmr_fetch_last_success_timestamp_seconds", "example.org"}] == 1000);
    CHECK(series[{"odmr_fetch_messages_total", "other.net"}] == 1);
}

TEST_CASE("label values are escaped and read back") {
    auto text = to_prometheus({run_of("we\"ird\\name", 1, 0, 5)}, {});
    CHECK(text.find("{account=\"we\\\"ird\\\\name\"}") != std::string::npos);
    auto series = parse_metrics(text);
    CHECK(series[{"odmr_fetch_messages_total", "we\"ird\\name"}] == 1);
}
