// libFuzzer target: reading the provider's replies, line by line, as the
// customer does (multi-line replies, EHLO keywords).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/reply.h"

using namespace odmr::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    ReplyParser parser;
    while (!input.empty()) {
        auto end = input.find('\n');
        std::string_view line = input.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        auto fed = parser.feed(line);
        if (!fed) {
            parser = ReplyParser();
            continue;
        }
        if (!fed->has_value()) continue;
        const Reply& reply = **fed;
        if (reply.code < 200 || reply.code > 599 || reply.lines.empty()) std::abort();
        Capabilities capabilities(reply);
        (void)capabilities.params("AUTH");
        (void)capabilities.has("ATRN");
        (void)reply.summary();
    }
    return 0;
}
