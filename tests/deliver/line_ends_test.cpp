#include "deliver/line_ends.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using odmr::deliver::LfConverter;

namespace {

std::string convert_in_pieces(std::string_view in, std::size_t piece) {
    LfConverter lf;
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += piece)
        lf.convert(in.substr(i, std::min(piece, in.size() - i)), out);
    lf.finish(out);
    return out;
}

}  // namespace

TEST_CASE("CRLF becomes LF; a CR alone and an LF alone are kept as they are") {
    CHECK(convert_in_pieces("a\r\nb\r\n", 100) == "a\nb\n");
    CHECK(convert_in_pieces("a\rb\nc\r\r\n", 100) == "a\rb\nc\r\n");
    CHECK(convert_in_pieces("", 100).empty());
}

TEST_CASE("a CRLF split between two chunks is still one LF") {
    LfConverter lf;
    std::string out;
    lf.convert(std::string_view("line\r"), out);
    CHECK(out == "line");
    lf.convert(std::string_view("\nnext"), out);
    CHECK(out == "line\nnext");
}

TEST_CASE("a CR at the very end of the message is kept") {
    CHECK(convert_in_pieces("end\r", 100) == "end\r");
    CHECK(convert_in_pieces("end\r", 1) == "end\r");
}

TEST_CASE("the result does not depend on how the input is cut") {
    std::string_view message = "From: a\r\n\r\nbody\rwith\r\r\nodd\n\rends\r\n";
    std::string whole = convert_in_pieces(message, message.size());
    CHECK(whole == "From: a\n\nbody\rwith\r\nodd\n\rends\n");
    for (std::size_t piece = 1; piece < 8; ++piece)
        CHECK(convert_in_pieces(message, piece) == whole);
}

TEST_CASE("reset forgets a CR held back from the last message") {
    LfConverter lf;
    std::string out;
    lf.convert(std::string_view("x\r"), out);
    lf.reset();
    out.clear();
    lf.convert(std::string_view("\ny"), out);
    CHECK(out == "\ny");
}
