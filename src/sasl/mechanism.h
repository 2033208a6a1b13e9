// A SASL mechanism (RFC 4422) as the client runs it: an optional initial
// response, then one answer per server challenge, then, once the server said
// yes, a last check that the server proved itself (SCRAM). Bytes in and out
// are raw (the SMTP layer does the base64). Responses may contain secrets:
// callers wipe them after sending.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/channel_binding.h"
#include "util/result.h"
#include "util/secret.h"

namespace odmr::sasl {

struct Credentials {
    std::string authcid;               // who we authenticate as
    const Secret* password = nullptr;  // password or OAuth token; owned by the caller
    std::string authzid{};             // who to act as (EXTERNAL); empty: as authcid
};

// What a mechanism may know about the connection it runs on.
struct Connection {
    // Channel binding data (RFC 5056) of the TLS session the exchange runs
    // in; set when TLS is up and binding data was had.
    ChannelBinding binding;
    bool server_offers_binding = false;  // the server advertised a -PLUS mechanism
};

class Mechanism {
  public:
    virtual ~Mechanism() = default;
    virtual std::string_view name() const = 0;
    // True when an eavesdropper could recover the password (or token).
    virtual bool reveals_password() const = 0;
    // Nothing: the mechanism waits for the server's first challenge.
    virtual Result<std::optional<std::string>> initial_response() {
        return std::optional<std::string>();
    }
    virtual Result<std::string> respond(std::string_view challenge) = 0;
    // Called when the server accepted us; fails when the server did not
    // prove itself although the mechanism requires it.
    virtual Status finish() { return {}; }
    // What the server said about a failure, if it said anything (empty if not).
    virtual std::string diagnostic() const { return {}; }
};

// The mechanisms we implement, strongest first (the default preference;
// EXTERNAL leads it when a client certificate is configured, and XOAUTH2
// and OAUTHBEARER are only used when asked for).
const std::vector<std::string>& supported_mechanisms();
bool is_supported(std::string_view name);

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials,
                                          const Connection& connection = {});

struct Choice {
    std::vector<std::string> preference;  // empty: the default preference
    bool tls_active = false;
    bool allow_plaintext = false;     // permit password-revealing mechanisms without TLS
    bool channel_binding = false;     // binding data is available (-PLUS may be used)
    bool client_certificate = false;  // EXTERNAL leads the default preference
    // TLS was wanted but did not happen (--tls starttls-optional and no
    // STARTTLS, which an attacker on the path may have removed): CRAM-MD5
    // then only when the preference names it, as its response to the
    // attacker's challenge can be attacked offline.
    bool tls_stripped = false;
};

// Picks the first mechanism of the preference that the server offers and
// that the policy allows; a clear error says why none fits.
Result<std::string> choose_mechanism(const std::vector<std::string>& offered, const Choice& choice);

// What a server said about a failure (an OAuth error JSON), fit to go into
// our error message: printable ASCII ('?' for anything else, so no terminal
// escape or line break of a hostile provider gets through), at most
// max_server_said octets.
inline constexpr std::size_t max_server_said = 512;
std::string server_said(std::string_view text);

// The -PLUS variant's name for a SCRAM mechanism ("SCRAM-SHA-256" ->
// "SCRAM-SHA-256-PLUS"), empty for other mechanisms.
std::string plus_variant(std::string_view name);

}  // namespace odmr::sasl
