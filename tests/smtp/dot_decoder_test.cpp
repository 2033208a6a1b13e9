#include "smtp/dot_decoder.h"

#include <doctest/doctest.h>

#include <span>
#include <string>
#include <string_view>

using namespace odmr::smtp;

namespace {

struct Decoded {
    std::string body;
    std::size_t consumed = 0;  // input bytes up to and including the terminator
    bool done = false;
};

std::span<const char> bytes(std::string_view s) {
    return {s.data(), s.size()};
}

// Feeds `input` in the given pieces, stopping at the terminator.
Decoded decode_pieces(std::string_view input, std::initializer_list<std::size_t> cuts) {
    DotDecoder decoder;
    Decoded out;
    std::size_t start = 0;
    auto feed_until = [&](std::size_t end) {
        while (!out.done && start < end) {
            auto step = decoder.decode(bytes(input.substr(start, end - start)), out.body);
            REQUIRE(step.consumed <= end - start);
            if (!step.done) REQUIRE(step.consumed == end - start);
            out.consumed = start + step.consumed;
            out.done = step.done;
            start += step.consumed;
        }
    };
    for (std::size_t cut : cuts) feed_until(cut);
    feed_until(input.size());
    return out;
}

Decoded decode_whole(std::string_view input) {
    return decode_pieces(input, {});
}

Decoded decode_byte_by_byte(std::string_view input) {
    DotDecoder decoder;
    Decoded out;
    for (std::size_t i = 0; i < input.size() && !out.done; ++i) {
        auto step = decoder.decode(bytes(input.substr(i, 1)), out.body);
        REQUIRE(step.consumed == 1);
        out.done = step.done;
        out.consumed = i + 1;
    }
    return out;
}

}  // namespace

TEST_CASE("a body without stuffed dots passes through up to the terminator") {
    auto d = decode_whole("Subject: hi\r\n\r\nHello\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == "Subject: hi\r\n\r\nHello\r\n");
}

TEST_CASE("a stuffed leading dot is removed") {
    auto d = decode_whole("..x\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == ".x\r\n");
}

TEST_CASE("only a dot at the start of a line is unstuffed") {
    auto d = decode_whole("a..b\r\n...\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == "a..b\r\n..\r\n");
}

TEST_CASE("a line that is \"..\" decodes to a single dot") {
    auto d = decode_whole("before\r\n..\r\nafter\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == "before\r\n.\r\nafter\r\n");
}

TEST_CASE("the terminator at the very start means an empty body") {
    auto d = decode_whole(".\r\n");
    CHECK(d.done);
    CHECK(d.consumed == 3);
    CHECK(d.body.empty());
}

TEST_CASE("bytes after the terminator are left for the next command") {
    std::string_view input = "body\r\n.\r\nQUIT\r\n";
    DotDecoder decoder;
    std::string out;
    auto step = decoder.decode(bytes(input), out);
    CHECK(step.done);
    CHECK(input.substr(step.consumed) == "QUIT\r\n");
    CHECK(out == "body\r\n");
}

TEST_CASE("without the terminator everything is consumed and not done") {
    DotDecoder decoder;
    std::string out;
    std::string_view input = "line one\r\n.not the end\r\n";
    auto step = decoder.decode(bytes(input), out);
    CHECK_FALSE(step.done);
    CHECK(step.consumed == input.size());
    CHECK(out == "line one\r\nnot the end\r\n");
}

TEST_CASE("8-bit bytes and NULs pass untouched") {
    std::string body = "caf\xc3\xa9 \xff\xfe";
    body += '\0';
    body += "\x80\r\n";
    auto d = decode_whole(body + ".\r\n");
    CHECK(d.done);
    CHECK(d.body == body);
}

TEST_CASE("\".\\r\" not followed by LF keeps the CR and drops the dot") {
    auto d = decode_whole(".\rx\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == "\rx\r\n");
}

TEST_CASE("a bare LF inside the body is normalised to CRLF") {
    DotDecoder decoder;
    std::string out;
    auto step = decoder.decode(bytes("one\ntwo\r\n.\r\n"), out);
    CHECK(step.done);
    CHECK(out == "one\r\ntwo\r\n");
    CHECK(decoder.bare_newlines() == 1);
}

TEST_CASE("a dot line ended by a bare LF does not end the data") {
    auto d = decode_whole("x\r\n.\nmore\r\n.\r\n");
    CHECK(d.done);
    CHECK(d.body == "x\r\n.\r\nmore\r\n");
}

TEST_CASE("a dot after a bare LF is not special, so data cannot be smuggled") {
    std::string_view input = "a\n.\r\nMAIL FROM:<x@y.example>\r\n.\r\n";
    auto d = decode_whole(input);
    CHECK(d.done);
    CHECK(d.consumed == input.size());
    CHECK(d.body == "a\r\n.\r\nMAIL FROM:<x@y.example>\r\n");
}

TEST_CASE("CRLF line ends are not counted as bare newlines") {
    DotDecoder decoder;
    std::string out;
    (void)decoder.decode(bytes("a\r\nb\r\n.\r\n"), out);
    CHECK(decoder.bare_newlines() == 0);
}

TEST_CASE("longest_line is the longest line without its line end") {
    DotDecoder decoder;
    std::string out;
    auto step = decoder.decode(bytes("abc\r\nabcdefg\r\nab\r\n.\r\n"), out);
    CHECK(step.done);
    CHECK(decoder.longest_line() == 7);
}

TEST_CASE("longest_line counts a line split across chunks once") {
    DotDecoder decoder;
    std::string out;
    (void)decoder.decode(bytes("abcd"), out);
    (void)decoder.decode(bytes("efgh\r"), out);
    (void)decoder.decode(bytes("\nx\r\n"), out);
    CHECK(decoder.longest_line() == 8);
}

TEST_CASE("reset() returns the decoder to the start of a line") {
    DotDecoder decoder;
    std::string out;
    (void)decoder.decode(bytes("partial line\n"), out);
    decoder.reset();
    CHECK(decoder.bare_newlines() == 0);
    CHECK(decoder.longest_line() == 0);
    out.clear();
    auto step = decoder.decode(bytes(".\r\n"), out);
    CHECK(step.done);
    CHECK(out.empty());
}

TEST_CASE("the decoder can be reused for a second message after the terminator") {
    DotDecoder decoder;
    std::string first;
    std::string second;
    std::string_view input = "one\r\n.\r\n..two\r\n.\r\n";
    auto a = decoder.decode(bytes(input), first);
    REQUIRE(a.done);
    auto b = decoder.decode(bytes(input.substr(a.consumed)), second);
    CHECK(b.done);
    CHECK(a.consumed + b.consumed == input.size());
    CHECK(first == "one\r\n");
    CHECK(second == ".two\r\n");
}

TEST_CASE("every chunking of a body decodes identically") {
    const std::string input =
        "From: a@b\r\n\r\n..stuffed\r\n.\rodd\r\nbare\nlf\r\n.\n\r\nx.\r\n..\r\n\xe9t\xe9\r\n.\r\n"
        "QUIT\r\n";
    const auto whole = decode_whole(input);
    REQUIRE(whole.done);
    CHECK(whole.body ==
          "From: a@b\r\n\r\n.stuffed\r\n\rodd\r\nbare\r\nlf\r\n.\r\n\r\nx.\r\n.\r\n\xe9t\xe9\r\n");
    CHECK(input.substr(whole.consumed) == "QUIT\r\n");

    SUBCASE("byte by byte") {
        auto d = decode_byte_by_byte(input);
        CHECK(d.done);
        CHECK(d.body == whole.body);
        CHECK(d.consumed == whole.consumed);
    }
    SUBCASE("every two-way split") {
        for (std::size_t cut = 0; cut <= input.size(); ++cut) {
            CAPTURE(cut);
            auto d = decode_pieces(input, {cut});
            CHECK(d.done);
            CHECK(d.body == whole.body);
            CHECK(d.consumed == whole.consumed);
        }
    }
    SUBCASE("every three-way split around the terminator") {
        const std::size_t end = whole.consumed;
        for (std::size_t a = end - 6; a <= end; ++a) {
            for (std::size_t b = a; b <= end; ++b) {
                CAPTURE(a);
                CAPTURE(b);
                auto d = decode_pieces(input, {a, b});
                CHECK(d.done);
                CHECK(d.body == whole.body);
                CHECK(d.consumed == whole.consumed);
            }
        }
    }
}
