// libFuzzer target: framing a pipelined stream of commands and BDAT chunks
// the way the reversed session does: a command line, and after "BDAT n"
// exactly n octets of data that are never read as commands, their line
// lengths measured as --max-line-length does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/command.h"
#include "smtp/line_meter.h"
#include "smtp/params.h"

using namespace odmr::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t position = 0;
    std::size_t octets = 0;
    LineMeter lines;
    while (position < input.size()) {
        auto end = input.find('\n', position);
        if (end == std::string_view::npos) break;  // an incomplete line waits for more input
        std::string_view line = input.substr(position, end - position);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        position = end + 1;
        Command command = parse_command(line);
        if (command.verb != Verb::bdat) continue;
        auto args = parse_bdat(command.argument);
        if (!args) break;  // the session hangs up: it cannot resynchronise
        std::size_t take = std::min(args->size, input.size() - position);
        lines.measure(input.substr(position, take));
        position += take;
        octets += take;
        if (position > input.size() || octets > size) std::abort();
        if (lines.longest_so_far() > octets) std::abort();
    }
    return 0;
}
