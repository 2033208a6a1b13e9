#include "smtp/stored_bounds.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

using namespace odmr::smtp;

namespace {

constexpr std::uint64_t MiB = 1 << 20;
const StoredLimits limits{100 * MiB, 1000 * MiB};

}  // namespace

TEST_CASE("size times copies saturates instead of wrapping") {
    CHECK(stored_octets(3, 4) == 12);
    CHECK(stored_octets(std::numeric_limits<std::uint64_t>::max() / 2, 3) ==
          std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("recipients beyond the per-message bound get 452 4.5.3, never the first copy") {
    CHECK_FALSE(recipient_over_bounds(limits, MiB, 100, 0));
    auto over = recipient_over_bounds(limits, MiB, 101, 0);
    REQUIRE(over);
    CHECK(over->code == 452);
    CHECK(over->enhanced == "4.5.3");
    // One copy larger than the bound still goes: else it could never be sent.
    CHECK_FALSE(recipient_over_bounds(limits, 500 * MiB, 1, 0));
}

TEST_CASE("past the per-session bound later recipients get 452 4.3.1, never the first message") {
    CHECK_FALSE(recipient_over_bounds(limits, 50 * MiB, 1, 950 * MiB));
    auto over = recipient_over_bounds(limits, 50 * MiB, 1, 951 * MiB);
    REQUIRE(over);
    CHECK(over->code == 452);
    CHECK(over->enhanced == "4.3.1");
    CHECK_FALSE(recipient_over_bounds(limits, 5000 * MiB, 1, 0));
}

TEST_CASE("at the end of the data, only copies of a message larger than declared get 552") {
    CHECK_FALSE(message_over_bound(limits, MiB, 100));
    CHECK_FALSE(message_over_bound(limits, 500 * MiB, 1));
    auto over = message_over_bound(limits, 2 * MiB, 100);
    REQUIRE(over);
    CHECK(over->code == 552);
    CHECK(over->enhanced == "5.3.4");
}
