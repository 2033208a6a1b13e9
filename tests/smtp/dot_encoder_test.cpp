#include "smtp/dot_encoder.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "smtp/dot_decoder.h"

using namespace odmr::smtp;

namespace {

std::string encode(std::initializer_list<std::string_view> chunks) {
    DotEncoder encoder;
    std::string out;
    for (auto chunk : chunks) encoder.encode(chunk, out);
    encoder.finish(out);
    return out;
}

}  // namespace

TEST_CASE("a leading dot is doubled and the data ends with CRLF . CRLF") {
    CHECK(encode({"a\r\n.b\r\n..\r\n.\r\n"}) == "a\r\n..b\r\n...\r\n..\r\n.\r\n");
}

TEST_CASE("a dot not at the start of a line is left alone") {
    CHECK(encode({"a.b\r\nx .\r\n"}) == "a.b\r\nx .\r\n.\r\n");
}

TEST_CASE("a dot after a chunk boundary at the start of a line is still doubled") {
    CHECK(encode({"line\r", "\n", ".dot\r\n"}) == "line\r\n..dot\r\n.\r\n");
    CHECK(encode({"line\r\n", ".", "dot\r\n"}) == "line\r\n..dot\r\n.\r\n");
}

TEST_CASE("a bare LF becomes CRLF, a bare CR is passed on") {
    CHECK(encode({"a\nb\rc\r\n"}) == "a\r\nb\rc\r\n.\r\n");
}

TEST_CASE("an unterminated last line is ended before the terminator") {
    CHECK(encode({"no newline"}) == "no newline\r\n.\r\n");
    CHECK(encode({"cr at end\r"}) == "cr at end\r\n.\r\n");
    CHECK(encode({}) == ".\r\n");
}

TEST_CASE("DotDecoder gives back exactly what DotEncoder was given") {
    std::string body = ".\r\n..\r\n.x\r\nplain\r\n\r\n. \r\n";
    std::string wire = encode({body});
    DotDecoder decoder;
    std::string decoded;
    auto step = decoder.decode(wire, decoded);
    CHECK(step.done);
    CHECK(step.consumed == wire.size());
    CHECK(decoded == body);
}
