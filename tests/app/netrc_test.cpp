#include "app/netrc.h"

#include <doctest/doctest.h>

using namespace ::odmr::app;

namespace {

std::string reveal(const odmr::Secret& secret) {
    return secret.with([](std::string_view value) { return std::string(value); });
}

constexpr std::string_view netrc =
    "machine other.example login bob password bobs\n"
    "machine ODMR.example.net\n  login alice\n  password \"a b\\\"c\"\n"
    "machine odmr.example.net login carol password carols account x\n"
    "macdef init\ncd /\nmachine odmr.example.net login mallory password no\n\n"
    "default login anonymous password guest\n";

}  // namespace

TEST_CASE("netrc: the first entry of the machine, case-insensitive, quoted password") {
    auto entry = find_netrc_entry(netrc, "odmr.example.net", "");
    REQUIRE(entry);
    CHECK(entry->login == "alice");
    CHECK(reveal(entry->password) == "a b\"c");
}

TEST_CASE("netrc: a given login picks its entry, a macdef body is not parsed") {
    auto carol = find_netrc_entry(netrc, "odmr.example.net", "carol");
    REQUIRE(carol);
    CHECK(reveal(carol->password) == "carols");
    // mallory's "entry" is inside the macro, and the default names another login
    CHECK_FALSE(find_netrc_entry(netrc, "odmr.example.net", "mallory"));
}

TEST_CASE("netrc: default for other hosts, nothing without one") {
    auto entry = find_netrc_entry(netrc, "elsewhere.example", "");
    REQUIRE(entry);
    CHECK(reveal(entry->password) == "guest");
    CHECK_FALSE(find_netrc_entry("machine a login b password c", "z", ""));
    CHECK_FALSE(find_netrc_entry("", "z", ""));
}
