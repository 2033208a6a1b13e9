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
