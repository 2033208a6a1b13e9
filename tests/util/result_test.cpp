#include "util/result.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <string>

using namespace odmr;

TEST_CASE("an error of ours says what we were doing, a system error adds the system's words") {
    auto ours = make_error(Errc::timeout, "waiting for the greeting");
    CHECK(ours.is(Errc::timeout));
    CHECK_FALSE(ours.is(Errc::temporary));
    CHECK(ours.message() == "waiting for the greeting");
    auto system = make_error(std::error_code(ENOENT, std::generic_category()), "opening x");
    CHECK(system.message() == "opening x: " + std::generic_category().message(ENOENT));
    CHECK(make_error(Errc::storage, "").message() == "local storage failure");
}

TEST_CASE("storage_error is a temporary local failure carrying errno's text") {
    auto e = storage_error(ENOSPC, "cannot write x");
    CHECK(e.is(Errc::storage));
    CHECK(e.detail == "cannot write x: " + std::generic_category().message(ENOSPC));
}

TEST_CASE("every error code has its own words") {
    std::string previous;
    for (int e = static_cast<int>(Errc::usage); e <= static_cast<int>(Errc::software); ++e) {
        std::string words = make_error_code(static_cast<Errc>(e)).message();
        CHECK(words != "unknown error");
        CHECK(words != previous);
        previous = words;
    }
}

TEST_CASE("a Result holds a value or an error, and a Status success or an error") {
    Result<int> value = 7;
    REQUIRE(value.ok());
    CHECK(*value == 7);
    Result<int> failed = make_error(Errc::protocol, "bad");
    REQUIRE_FALSE(failed);
    CHECK(failed.error().is(Errc::protocol));
    Result<std::string> text = std::string("moved");
    std::string taken = std::move(text).value();
    CHECK(taken == "moved");
    Status fine;
    CHECK(fine.ok());
    Status bad = make_error(Errc::config, "no");
    CHECK_FALSE(bad.ok());
    CHECK(bad.error().detail == "no");
}
