#include "app/status_line.h"

#include <doctest/doctest.h>

using namespace odmr::app;
using std::chrono::seconds;

TEST_CASE("the status line shows phase, messages, octets and rate") {
    Progress progress;
    progress.account = "example.org";
    progress.phase = "receiving";
    progress.messages = 3;
    progress.octets = 4'000'000;
    auto line = describe(progress, progress.started + seconds(2), 200);
    CHECK(line == "example.org: receiving, 3 messages, 4.0 MB, 2.0 MB/s");
}

TEST_CASE("the status line fits the terminal") {
    Progress progress;
    progress.account = "example.org";
    progress.phase = "connecting";
    CHECK(describe(progress, progress.started, 200) == "example.org: connecting, 0 messages, 0 B");
    CHECK(describe(progress, progress.started, 10).size() == 10);
}
