#include "util/byte_scan.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace {

std::vector<std::size_t> positions(const std::string& s, char c, bool portable,
                                   std::size_t stop_after = SIZE_MAX) {
    std::vector<std::size_t> found;
    auto hit = [&](const char* at) {
        found.push_back(static_cast<std::size_t>(at - s.data()));
        return found.size() < stop_after;
    };
    const char* end = s.data() + s.size();
    const char* stop = portable ? odmr::scan::each_portable(s.data(), end, c, hit)
                                : odmr::scan::each(s.data(), end, c, hit);
    if (odmr::scan::has_avx2()) {  // the AVX2 scan finds the same, and stops at the same place
        std::vector<std::size_t> wide;
        auto wide_hit = [&](const char* at) {
            wide.push_back(static_cast<std::size_t>(at - s.data()));
            return wide.size() < stop_after;
        };
        CHECK(odmr::scan::each_avx2(s.data(), end, c, wide_hit) == stop);
        CHECK(wide == found);
    }
    if (found.size() < stop_after) {
        CHECK(stop == end);
    } else {
        CHECK(stop == s.data() + found.back());
    }
    return found;
}

std::vector<std::size_t> expected(const std::string& s, char c) {
    std::vector<std::size_t> found;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == c) found.push_back(i);
    return found;
}

}  // namespace

TEST_CASE("every occurrence is found in order, whatever the length and where it falls") {
    std::mt19937 random(13);
    for (std::size_t length = 0; length < 70; ++length) {
        for (int round = 0; round < 20; ++round) {
            std::string s(length, 'a');
            for (auto& c : s) c = "a\n\r."[random() % 4];
            CHECK(positions(s, '\n', false) == expected(s, '\n'));
            CHECK(positions(s, '\n', true) == expected(s, '\n'));
        }
    }
}

TEST_CASE("a match in the first and the last octet of a sixteen-octet block is found") {
    std::string s(48, 'x');
    s[0] = s[15] = s[16] = s[31] = s[47] = '\n';
    CHECK(positions(s, '\n', false) == std::vector<std::size_t>{0, 15, 16, 31, 47});
}

TEST_CASE("the scan stops where the caller says, with the position of that match") {
    std::string s = std::string(20, '\n') + "abc\n";
    CHECK(positions(s, '\n', false, 3) == std::vector<std::size_t>{0, 1, 2});
    CHECK(positions(s, '\n', true, 3) == std::vector<std::size_t>{0, 1, 2});
    CHECK(positions(s, '\n', false, 21).back() == 23);
}

TEST_CASE("octets with the high bit set are neither missed nor mistaken") {
    std::string s(40, '\xff');
    s[17] = '\x8a';  // LF with the high bit: not an LF
    s[33] = '\n';
    CHECK(positions(s, '\n', false) == std::vector<std::size_t>{33});
    CHECK(positions(s, '\xff', false).size() == 38);
}
