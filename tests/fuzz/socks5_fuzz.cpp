// libFuzzer target: what a SOCKS5 proxy answers (RFC 1928, RFC 1929), read
// in the order socks5_connect reads it: the chosen method, the verdict on
// our user name and password when asked for them, the head of the answer to
// CONNECT and then exactly as many octets as that head announces. The first
// input byte says whether we offered a password. Properties: nothing past
// the announced reply is consumed (it belongs to the provider), and every
// refusal is an error that names the target.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/socks5_reply.h"

using namespace odmr;
using namespace odmr::net;

namespace {

// The next `n` octets of `input`, or nothing when the proxy closed early.
bool take(std::string_view& input, std::size_t n, std::string_view& out) {
    if (input.size() < n) return false;
    out = input.substr(0, n);
    input.remove_prefix(n);
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    bool with_password = data[0] & 1;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string target = "odmr.example.net port 366";
    std::string_view method, status, head, tail;
    if (!take(input, 2, method)) return 0;
    auto password_chosen = socks5::method_reply(method, with_password);
    if (!password_chosen) return 0;
    if (*password_chosen && !with_password) std::abort();  // never asked for what we lack
    if (*password_chosen) {
        if (!take(input, 2, status)) return 0;
        if (!socks5::password_reply(status) && status[1] == 0) std::abort();
        if (!socks5::password_reply(status)) return 0;
    }
    if (!take(input, 5, head)) return 0;
    auto remainder = socks5::connect_reply(head, target);
    if (!remainder) {
        if (head[0] == 5 && head[1] != 0 &&
            remainder.error().message().find(target) == std::string::npos)
            std::abort();
        return 0;
    }
    if (head[1] != 0 || *remainder > 255 + 2 || *remainder < 2) std::abort();
    if (socks5::reply_remainder(head).value() != *remainder) std::abort();
    (void)take(input, *remainder, tail);
    return 0;
}
