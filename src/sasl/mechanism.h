// A SASL mechanism (RFC 4422) as the client runs it: an optional initial
// response, then one answer per server challenge. Bytes in and out are raw
// (the SMTP layer does the base64). Responses may contain secrets: callers
// wipe them after sending.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/secret.h"

namespace odmr::sasl {

struct Credentials {
    std::string authcid;               // who we authenticate as
    const Secret* password = nullptr;  // password or token; owned by the caller
};

class Mechanism {
  public:
    virtual ~Mechanism() = default;
    virtual std::string_view name() const = 0;
    // True when an eavesdropper could recover the password from the exchange.
    virtual bool reveals_password() const = 0;
    virtual std::optional<std::string> initial_response() { return std::nullopt; }
    virtual Result<std::string> respond(std::string_view challenge) = 0;
};

// The mechanisms we implement, strongest first (the default preference).
const std::vector<std::string>& supported_mechanisms();

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials);

struct Choice {
    std::vector<std::string> preference;  // empty: supported_mechanisms()
    bool tls_active = false;
    bool allow_plaintext = false;  // permit PLAIN/LOGIN without TLS
};

// Picks the first mechanism of the preference that the server offers and
// that the policy allows; a clear error says why none fits.
Result<std::string> choose_mechanism(const std::vector<std::string>& offered, const Choice& choice);

}  // namespace odmr::sasl
