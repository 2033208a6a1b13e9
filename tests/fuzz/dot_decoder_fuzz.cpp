// libFuzzer target: the DATA decoder. Decoding in one piece and in two
// pieces split anywhere must give the same bytes and the same end; the
// output never holds a bare LF.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "smtp/dot_decoder.h"

using odmr::smtp::DotDecoder;

namespace {

struct Run {
    std::string out;
    std::size_t consumed = 0;
    bool done = false;
};

Run decode_in(std::span<const char> input, std::size_t split) {
    Run run;
    DotDecoder decoder;
    auto first = decoder.decode(input.first(split), run.out);
    run.consumed = first.consumed;
    run.done = first.done;
    if (!first.done) {
        auto second = decoder.decode(input.subspan(split), run.out);
        run.consumed += second.consumed;
        run.done = second.done;
    }
    return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::size_t split = data[0] % size;
    std::span<const char> input(reinterpret_cast<const char*>(data) + 1, size - 1);
    split = std::min(split, input.size());
    Run whole = decode_in(input, input.size());
    Run halves = decode_in(input, split);
    if (whole.out != halves.out || whole.consumed != halves.consumed || whole.done != halves.done)
        std::abort();
    if (whole.consumed > input.size()) std::abort();
    for (std::size_t i = 0; i < whole.out.size(); ++i)
        if (whole.out[i] == '\n' && (i == 0 || whole.out[i - 1] != '\r')) std::abort();
    if (whole.done && (whole.consumed < 3 || input[whole.consumed - 1] != '\n')) std::abort();
    return 0;
}
