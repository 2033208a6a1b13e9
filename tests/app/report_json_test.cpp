#include "app/report_json.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using odmr::Errc;
using odmr::Error;
using odmr::make_error;

TEST_CASE("JSON strings are escaped") {
    CHECK(json_escape("plain") == "\"plain\"");
    CHECK(json_escape("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_escape(std::string("\n\x01", 2)) == "\"\\u000a\\u0001\"");
    CHECK(json_escape("Grüße") == "\"Grüße\"");
}

TEST_CASE("the JSON report has one object per account") {
    AccountReport report;
    report.account = "example.org";
    report.provider = "p port 366";
    report.fetch.delivered = 1;
    report.fetch.octets = 10;
    report.fetch.sessions = 2;
    report.fetch.error = make_error(Errc::timeout, "waiting");
    report.finished = 42;
    std::string json = to_json({report}, 0);
    CHECK(json.starts_with("{\"status\": 0, \"accounts\": ["));
    CHECK(json.find("\"account\": \"example.org\", \"messages\": 1, \"octets\": 10, "
                    "\"sessions\": 2") != std::string::npos);
    CHECK(json.find("\"tls\": null, \"sasl\": null") != std::string::npos);
    CHECK(json.find("\"error\": \"waiting\"") != std::string::npos);
    CHECK(json.find("\"finished\": 42}") != std::string::npos);
}
