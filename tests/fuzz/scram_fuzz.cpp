// libFuzzer target: the SCRAM client reading what the provider sends, its
// server-first-message (nonce, salt, iteration count, extensions, errors)
// and its server-final-message (signature or error). The input is split at
// its first newline; the first part follows "r=" and our nonce, so that the
// fuzzer reaches past the nonce check.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sasl/scram.h"
#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;

namespace {

// Large iteration counts are valid but only slow the fuzzer down.
bool too_slow(std::string_view first) {
    auto at = first.find("i=");
    if (at == std::string_view::npos) return false;
    std::size_t digits = 0;
    while (at + 2 + digits < first.size() && first[at + 2 + digits] >= '0' &&
           first[at + 2 + digits] <= '9')
        ++digits;
    return digits > 5;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) { return sodium_init() < 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    std::string_view first = input.substr(0, newline);
    std::string_view final =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (too_slow(first)) return 0;

    Secret password("pencil");
    bool plus = size % 2 == 1;
    Connection connection{{plus ? "tls-exporter" : "", "0123456789abcdef0123456789abcdef"}, plus};
    Scram scram(size % 3 == 0 ? ScramHash::sha1 : ScramHash::sha256, plus, {"user", &password},
                connection, "fuzznonce");
    auto initial = scram.initial_response();
    if (!initial || !initial->has_value()) std::abort();
    auto client_final = scram.respond("r=fuzznonce" + std::string(first));
    if (!client_final) return 0;
    if (!client_final->starts_with("c=")) std::abort();
    auto end = scram.respond(final);
    if (end && !end->empty()) std::abort();  // the answer to a verified signature is empty
    if (scram.finish().ok() != end.ok()) std::abort();  // accepted only after a verified signature
    (void)scram.diagnostic();
    return 0;
}
