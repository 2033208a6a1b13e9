#include "smtp/line_meter.h"

#include <doctest/doctest.h>

#include <string_view>

using odmr::smtp::LineMeter;

namespace {

void measure(LineMeter& meter, std::string_view bytes) {
    meter.measure({bytes.data(), bytes.size()});
}

}  // namespace

TEST_CASE("a line is measured without its CRLF or its bare LF") {
    LineMeter meter;
    measure(meter, "abc\r\nabcdefg\nab\r\n");
    CHECK(meter.longest() == 7);
    CHECK(meter.current() == 0);
}

TEST_CASE("a line split across chunks, even between CR and LF, counts once") {
    LineMeter meter;
    measure(meter, "abcd");
    measure(meter, "efgh\r");
    CHECK(meter.longest() == 0);
    CHECK(meter.current() == 8);  // the CR may start the line end
    measure(meter, "\nx");
    CHECK(meter.longest() == 8);
    CHECK(meter.current() == 1);
}

TEST_CASE("the unfinished last line counts in longest_so_far") {
    LineMeter meter;
    measure(meter, "ab\r\n");
    measure(meter, "a line without an end");
    CHECK(meter.longest() == 2);
    CHECK(meter.longest_so_far() == 21);
}

TEST_CASE("a bare CR inside a line is part of the line") {
    LineMeter meter;
    measure(meter, "a\rb\r\n");
    CHECK(meter.longest() == 3);
}

TEST_CASE("append and end_line count what a decoder found") {
    LineMeter meter;
    meter.append("hello", 5);
    meter.append("", 0);
    CHECK_FALSE(meter.ends_in_cr());
    meter.append("\r", 1);
    CHECK(meter.ends_in_cr());
    meter.end_line();
    CHECK(meter.longest() == 5);
    CHECK_FALSE(meter.ends_in_cr());
}

TEST_CASE("empty lines and empty input measure nothing") {
    LineMeter meter;
    measure(meter, "");
    measure(meter, "\r\n\n\r\n");
    CHECK(meter.longest_so_far() == 0);
}

namespace {

// Whether `bounded` (measured with a bound) tells the same as `exact` about
// lines longer than `bound`.
void check_agrees(const LineMeter& exact, const LineMeter& bounded, std::size_t bound) {
    if (exact.longest_so_far() > bound)
        CHECK(bounded.longest_so_far() == exact.longest_so_far());
    else
        CHECK(bounded.longest_so_far() <= bound);
}

}  // namespace

TEST_CASE("with a bound, only the lines between two LFs of a stretch are not measured") {
    LineMeter meter;
    std::string_view data = "ab\r\nabcdefgh\r\nabc\r\nxy";
    meter.measure({data.data(), data.size()}, 100);
    CHECK(meter.longest() == 2);  // the first line; the others are inside the stretch
    CHECK(meter.current() == 2);  // the tail is measured
}

TEST_CASE("with a bound, a line longer than it is measured exactly, however it is split") {
    for (std::size_t bound : {1u, 3u, 5u, 7u, 8u, 9u, 16u}) {
        for (std::string_view data :
             {"abc\r\nabcdefgh\r\nab\r\n", "abcdefgh\r\n", "a\nabcdefgh\nb", "abcdefgh",
              "x\r\n1234567\r\r\n12345678\r\n", "\n\n\n123456789\n\n"}) {
            for (std::size_t cut = 1; cut <= data.size(); ++cut) {
                CAPTURE(bound);
                CAPTURE(data);
                CAPTURE(cut);
                LineMeter exact;
                LineMeter bounded;
                for (std::size_t at = 0; at < data.size(); at += cut) {
                    auto piece = data.substr(at, cut);
                    exact.measure({piece.data(), piece.size()});
                    bounded.measure({piece.data(), piece.size()}, bound);
                    check_agrees(exact, bounded, bound);
                }
            }
        }
    }
}

TEST_CASE("with a bound, a line of exactly the bound plus its CRLF is not too long") {
    LineMeter meter;
    std::string_view data = "12345\r\n123456\r\n";
    meter.measure({data.data(), 3}, 6);
    meter.measure({data.data() + 3, data.size() - 3}, 6);
    CHECK(meter.longest_so_far() <= 6);
    std::string_view longer = "1234567\r\n";
    meter.measure({longer.data(), longer.size()}, 6);
    CHECK(meter.longest_so_far() == 7);
}
