#include "app/report.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using odmr::Errc;
using odmr::Error;
using odmr::make_error;

TEST_CASE("the summary line names every figure once") {
    AccountReport report;
    report.account = "example.org";
    report.provider = "odmr.example.net port 366";
    report.fetch.sessions = 3;
    report.fetch.delivered = 2;
    report.fetch.octets = 4096;
    report.fetch.tls_version = "TLSv1.3";
    report.fetch.mechanism = "SCRAM-SHA-256";
    report.seconds = 1.25;
    CHECK(summary_line(report) ==
          "account=example.org messages=2 octets=4096 sessions=3 seconds=1.2 "
          "provider=\"odmr.example.net port 366\" tls=TLSv1.3 sasl=SCRAM-SHA-256 "
          "outcome=\"delivered\" status=0");
}

TEST_CASE("the outcome in words") {
    AccountReport report;
    report.status = 1;
    CHECK(outcome_word(report) == "no mail");
    report.fetch.delivered = 1;
    report.fetch.error = make_error(Errc::timeout, "x");
    report.status = 0;
    CHECK(outcome_word(report) == "delivered, then failed temporarily");
    report.fetch.delivered = 0;
    report.status = 75;
    CHECK(outcome_word(report) == "failed");
    report.fetch.error = make_error(Errc::stopped, "x");
    CHECK(outcome_word(report) == "stopped");
    report.locked = true;
    CHECK(outcome_word(report) == "locked");
}
