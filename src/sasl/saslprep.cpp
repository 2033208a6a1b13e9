#include "sasl/saslprep.h"

#include <sodium.h>
#include <stringprep.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace odmr::sasl {
namespace {

bool is_printable_ascii(char c) {
    return c >= 0x20 && c <= 0x7e;
}

// Frees a string that Libidn allocated, wiping it first: it may hold a password.
struct WipedFree {
    void operator()(char* p) const {
        sodium_memzero(p, std::strlen(p));
        std::free(p);  // NOLINT(cppcoreguidelines-no-malloc): Libidn's allocation
    }
};

Error unusable(std::string_view what, std::string_view why) {
    return make_error(Errc::config, "the " + std::string(what) +
                                        " cannot be prepared with SASLprep (RFC 4013) for SCRAM: " +
                                        std::string(why) +
                                        "; choose another mechanism with --auth");
}

}  // namespace

Result<std::string> saslprep(std::string_view input, std::string_view what) {
    if (std::all_of(input.begin(), input.end(), is_printable_ascii)) {
        if (input.empty()) return unusable(what, "it is empty");
        return std::string(input);  // ASCII: no mapping, no normalisation, nothing prohibited
    }
    if (input.find('\0') != std::string_view::npos) return unusable(what, "it contains a NUL byte");
    std::string terminated(input);
    char* raw = nullptr;
    int rc = stringprep_profile(terminated.c_str(), &raw, "SASLprep", Stringprep_profile_flags(0));
    sodium_memzero(terminated.data(), terminated.size());
    std::unique_ptr<char, WipedFree> prepared(raw);
    switch (rc) {
        case STRINGPREP_OK:
            break;
        case STRINGPREP_CONTAINS_PROHIBITED:
            return unusable(what,
                            "it contains a prohibited character (a control character, "
                            "a private-use or non-character code point, or similar)");
        case STRINGPREP_BIDI_BOTH_L_AND_RAL:
        case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
        case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
            return unusable(what,
                            "it mixes left-to-right and right-to-left text in a way "
                            "RFC 3454 forbids");
        case STRINGPREP_ICONV_ERROR:
            return unusable(what, "it is not valid UTF-8");
        default:
            return unusable(what, std::string("Libidn failed: ") +
                                      stringprep_strerror(static_cast<Stringprep_rc>(rc)));
    }
    if (prepared == nullptr || *prepared == '\0')
        return unusable(what, "nothing is left of it after SASLprep");
    return std::string(prepared.get());
}

}  // namespace odmr::sasl
