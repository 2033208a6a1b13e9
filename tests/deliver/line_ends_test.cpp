#include "deliver/line_ends.h"

#include <doctest/doctest.h>

#include <random>
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

TEST_CASE("CRLF becomes LF, a CR alone and an LF alone are kept as they are") {
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

namespace {

// CRLF to LF one octet at a time, for comparison with the block conversion.
std::string reference_lf(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i)
        if (!(in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n')) out += in[i];
    return out;
}

}  // namespace

TEST_CASE("the block conversion equals octet-by-octet conversion, in pieces of any size") {
    std::mt19937 random(5321);
    for (int round = 0; round < 200; ++round) {
        std::string in(random() % 100, 'a');
        for (auto& c : in) c = "ab\r\r\n"[random() % 5];
        std::string want = reference_lf(in);
        for (std::size_t piece = 1; piece <= in.size() + 1; ++piece)
            CHECK(convert_in_pieces(in, piece) == want);
    }
}

TEST_CASE("the raw conversion writes no more than most() octets, a held CR included") {
    LfConverter lf;
    std::string first = "x\r";
    std::string out(64, '#');
    char* end = lf.convert(first, out.data());
    CHECK(std::string(out.data(), end) == "x");
    std::string second = "y" + std::string(20, 'z') + "\r\n";  // the held CR comes out first
    std::string buffer(LfConverter::most(second.size()) + 8, '#');
    end = lf.convert(second, buffer.data());
    CHECK(std::string(buffer.data(), end) == "\ry" + std::string(20, 'z') + "\n");
    CHECK(buffer.substr(LfConverter::most(second.size())) == "########");
    CHECK(lf.finish(buffer.data()) == buffer.data());
}

TEST_CASE("mail-like lines, one CR to a block, convert as octet by octet, within most()") {
    std::mt19937 random(2645);
    for (int round = 0; round < 100; ++round) {
        std::string in;
        while (in.size() < 700) {
            in += std::string(random() % 90, 'm');
            in += random() % 8 == 0 ? "\r" : "\r\n";  // now and then a bare CR
        }
        in.resize(in.size() - random() % 40);
        std::string want = reference_lf(in);
        for (std::size_t piece : {std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33},
                                  std::size_t{65}, std::size_t{200}, in.size()})
            CHECK(convert_in_pieces(in, piece) == want);
        LfConverter lf;
        std::string buffer(LfConverter::most(in.size()) + 40, '#');
        char* end = lf.finish(lf.convert(in, buffer.data()));
        CHECK(std::string(buffer.data(), end) == want);
        CHECK(buffer.substr(LfConverter::most(in.size())) == std::string(40, '#'));
    }
}
