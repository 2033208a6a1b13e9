// libFuzzer target: replies of a local LMTP or SMTP server (Dovecot, Postfix,
// Exim: relay_sink), read line by line as smtp::Client reads them, then made
// into the reply the provider gets (relay_reply) for each step. Properties:
// the provider is never told 421 or a 2xx/3xx refusal, 5xx only where it is
// certain to be permanent, the enhanced code agrees with the code's class,
// and the text is one short printable line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deliver/relay_reply.h"
#include "smtp/reply.h"

using namespace odmr;

namespace {

bool enhanced_ok(const std::string& enhanced, int code) {
    if (enhanced.size() < 5 || enhanced[0] != '0' + code / 100 || enhanced[1] != '.') return false;
    int dots = 0;
    for (char c : enhanced) {
        if (c == '.')
            ++dots;
        else if (c < '0' || c > '9')
            return false;
    }
    return dots == 2;
}

void check(const smtp::Reply& reply, bool permanent_allowed) {
    mail::Reply out = deliver::relay_reply(reply, permanent_allowed);
    bool permanent = out.code >= 500 && out.code <= 599;
    bool temporary = out.code >= 450 && out.code <= 459 && out.code != 421;
    if (!permanent && !temporary) std::abort();
    if (permanent && (!permanent_allowed || out.code != reply.code || out.code == 552))
        std::abort();
    if (!enhanced_ok(out.enhanced, out.code)) std::abort();
    if (out.text.empty() || out.text.size() > 300) std::abort();
    for (char c : out.text)
        if (c < 0x20 || c > 0x7e) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    smtp::ReplyParser parser;
    while (!input.empty()) {
        auto end = input.find('\n');
        std::string_view line = input.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        auto fed = parser.feed(line);
        if (!fed) {
            parser = smtp::ReplyParser();
            continue;
        }
        if (!fed->has_value()) continue;
        const smtp::Reply& reply = **fed;
        check(reply, true);
        check(reply, false);
        smtp::Capabilities capabilities(reply);  // after LHLO/EHLO
        (void)capabilities.has("PIPELINING");
        (void)capabilities.has("SMTPUTF8");
    }
    return 0;
}
