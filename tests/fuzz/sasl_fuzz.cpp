// libFuzzer target: the provider's side of SASL as the customer reads it.
// The first line is the EHLO AUTH list (what choose_mechanism picks from);
// each further line is a 334 challenge in base64, as on the wire, answered by
// CRAM-MD5, LOGIN, PLAIN, EXTERNAL, XOAUTH2 or OAUTHBEARER (the first byte
// picks one; SCRAM has its own target). The OAuth mechanisms keep the error
// JSON a failing server sends, which ends up in our error message.
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/mechanism.h"
#include "util/base64.h"
#include "util/secret.h"
#include "util/text.h"

using namespace odmr;
using namespace odmr::sasl;

namespace {

constexpr std::array<std::string_view, 6> names{"PLAIN",    "LOGIN",   "CRAM-MD5",
                                                "EXTERNAL", "XOAUTH2", "OAUTHBEARER"};
constexpr std::string_view password = "pencil-secret";

bool printable(std::string_view text) {
    for (char c : text)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// The provider's AUTH list: the chosen mechanism is one it offered, and one
// the policy allows.
void choose(std::string_view line, std::uint8_t flags) {
    std::vector<std::string> offered;
    for (auto& word : text::split_words(line)) offered.push_back(word);
    Choice choice;
    choice.tls_active = flags & 1;
    choice.allow_plaintext = flags & 2;
    choice.channel_binding = flags & 4;
    choice.client_certificate = flags & 8;
    choice.tls_stripped = flags & 16;
    auto chosen = choose_mechanism(offered, choice);
    if (!chosen) return;
    bool was_offered = false;
    for (const auto& o : offered) was_offered = was_offered || text::iequals(o, *chosen);
    if (!was_offered || !is_supported(*chosen)) std::abort();
    auto mechanism = make_mechanism(*chosen, {});
    if (!mechanism) std::abort();
    if (mechanism->reveals_password() && !choice.tls_active && !choice.allow_plaintext)
        std::abort();
    if (*chosen == "CRAM-MD5" && choice.tls_stripped && !choice.tls_active) std::abort();
}

void check_response(std::string_view name, std::string_view response, int round) {
    if (name == "CRAM-MD5") {  // "user " and 32 hex digits; never the password
        if (response.size() != 5 + 32 || !response.starts_with("user ")) std::abort();
        for (char c : response.substr(5))
            if (!text::is_digit(c) && !(c >= 'a' && c <= 'f')) std::abort();
    }
    if (name == "LOGIN" && response != (round == 0 ? "user" : password)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    return sodium_init() < 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::uint8_t flags = data[0];
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto newline = input.find('\n');
    choose(input.substr(0, newline), flags);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    Secret secret(password);
    std::string_view name = names[(flags >> 5) % names.size()];
    auto mechanism = make_mechanism(name, {"user", &secret, flags & 1 ? "admin" : ""});
    if (!mechanism || mechanism->name() != name) std::abort();
    if (!mechanism->initial_response()) std::abort();
    for (int round = 0; !input.empty() && round < 10; ++round) {
        auto end = input.find('\n');
        std::string_view line = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        auto challenge = base64::decode(line);
        if (!challenge) break;
        auto response = mechanism->respond(*challenge);
        if (!response) break;
        check_response(name, *response, round);
    }
    // What the server said goes into an error message: printable and short.
    auto said = mechanism->diagnostic();
    if (!printable(said) || said.size() > 1024) std::abort();
    return 0;
}
