// The DotDecoder's fast line scan against a decoder that takes one octet at a
// time, for random data cut at every point: the same body, the same end, the
// same longest line and count of bare LFs.
#include <doctest/doctest.h>

#include <random>
#include <span>
#include <string>
#include <string_view>

#include "smtp/dot_decoder.h"
#include "smtp/line_meter.h"

using namespace odmr::smtp;

namespace {

struct Outcome {
    std::string body;
    std::size_t consumed = 0;
    bool done = false;
    std::size_t longest = 0;
    std::size_t bare = 0;
    bool operator==(const Outcome&) const = default;
};

// RFC 5321 §4.5.2 with the decoder's line-end policy, octet by octet.
Outcome reference(std::string_view in) {
    Outcome out;
    LineMeter lines;
    enum { start, dot, dot_cr, mid } state = start;
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (state == dot_cr) {
            if (c == '\n') {
                lines.append(".\r", 2);
                lines.end_line();
                out.consumed = i + 1;
                out.done = true;
                break;
            }
            out.body += '\r';
            lines.append("\r", 1);
            state = mid;
        } else if (state == dot) {
            if (c == '\r') {
                state = dot_cr;
                continue;
            }
            if (c == '\n') {
                out.body += '.';
                lines.append(".", 1);
            }
            state = mid;
        } else if (state == start) {
            state = mid;
            if (c == '.') {
                state = dot;
                continue;
            }
        }
        if (c == '\n') {
            if (lines.ends_in_cr()) {
                out.body += '\n';
                state = start;
            } else {
                out.body += "\r\n";
                ++out.bare;
            }
            lines.end_line();
        } else {
            out.body += c;
            lines.append(&c, 1);
        }
    }
    if (!out.done) out.consumed = in.size();
    out.longest = lines.longest();
    return out;
}

Outcome decode_cut(std::string_view in, std::size_t cut) {
    DotDecoder decoder;
    Outcome out;
    for (std::size_t start = 0; start < in.size() && !out.done;) {
        std::size_t end = start < cut ? cut : in.size();
        auto step = decoder.decode(std::span(in.data() + start, end - start), out.body);
        out.done = step.done;
        start += step.consumed;
        out.consumed = start;
    }
    out.longest = decoder.longest_line();
    out.bare = decoder.bare_newlines();
    return out;
}

}  // namespace

TEST_CASE("the line scan decodes random data exactly as octet-by-octet decoding, cut anywhere") {
    std::mt19937 random(2645);
    for (int round = 0; round < 300; ++round) {
        std::string in(random() % 80, 'a');
        for (auto& c : in) c = "ab\r\n.."[random() % 6];
        if (round % 3 == 0) in += "\r\n.\r\n";
        Outcome want = reference(in);
        for (std::size_t cut = 0; cut <= in.size(); ++cut) {
            INFO("input: ", in, " cut at ", cut);
            CHECK(decode_cut(in, cut) == want);
        }
    }
}

TEST_CASE("line ends and dots split between reads, at sixteen-octet block edges") {
    std::string line(14, 'x');
    std::string in = line + "\r\n..dot\r\n" + line + "\r\n" + line + "\n.\r\n.\r\n";
    Outcome want = reference(in);
    CHECK(want.done);
    CHECK(want.body == line + "\r\n.dot\r\n" + line + "\r\n" + line + "\r\n.\r\n");
    for (std::size_t cut = 0; cut <= in.size(); ++cut) CHECK(decode_cut(in, cut) == want);
}
