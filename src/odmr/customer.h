// The customer's half of ODMR (RFC 2645 §4): greeting, EHLO, STARTTLS,
// EHLO again, AUTH, then ATRN for our domains. Its outcome says whether the
// line is about to turn around (mail follows) or there is nothing to fetch;
// every failure is a typed error (auth rejected, temporary, permanent, TLS,
// protocol). open() alone is what --serverinfo shows: everything up to, and
// not including, AUTH.
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "net/certificate.h"
#include "net/channel_binding.h"
#include "net/reader.h"
#include "sasl/mechanism.h"
#include "smtp/client.h"
#include "smtp/reply.h"
#include "util/log.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::atrn {

// starttls_optional: STARTTLS when offered, else on in clear text with a warning.
enum class TlsMode { starttls, starttls_optional, implicit, none };

struct CustomerConfig {
    std::string helo_name;    // our EHLO name
    std::string server_name;  // the provider's name, for SNI and the certificate check
    std::vector<net::Fingerprint> tls_pins;  // not empty: trust these instead of CA and name
    TlsMode tls = TlsMode::starttls;
    sasl::Credentials credentials;
    std::vector<std::string> auth_preference;  // empty: strongest first
    bool allow_plaintext_auth = false;
    bool client_certificate = false;  // a TLS client certificate is configured (EXTERNAL)
    net::BindingType channel_binding = net::BindingType::automatic;  // for SCRAM-*-PLUS
    std::vector<std::string> domains;                                // ATRN argument
    Duration command_timeout = std::chrono::minutes(5);
    Duration atrn_timeout = std::chrono::minutes(10);
    // The run's end (--run-timeout): no wait goes past it. By default far away.
    Deadline deadline{std::chrono::hours(24 * 365 * 10)};
};

enum class Outcome { mail_follows, no_mail };

struct Negotiation {
    Outcome outcome = Outcome::no_mail;
    smtp::Capabilities capabilities;
    smtp::Reply atrn_reply;
};

// What the provider said before authentication.
struct Introduction {
    smtp::Reply greeting;
    smtp::Reply ehlo;  // the last EHLO reply (inside TLS when TLS is up)
    smtp::Capabilities capabilities;
};

class Customer {
  public:
    Customer(net::Reader& reader, const CustomerConfig& config, const Log& log);

    asio::awaitable<Result<Negotiation>> negotiate();
    // Greeting, EHLO and TLS as configured, EHLO again: up to AUTH.
    asio::awaitable<Result<Introduction>> open();
    // The mechanism authenticate() would use with these capabilities.
    Result<std::string> choose_mechanism(const smtp::Capabilities& capabilities);
    // Politely ends a session that did not turn around.
    asio::awaitable<void> quit();
    // The same after `failure`, unless it left no one to say QUIT to (the
    // connection is lost, timed out, or TLS broke).
    asio::awaitable<void> quit_after(const Error& failure);
    // The SASL mechanism that authenticated us (empty before, or without AUTH).
    const std::string& mechanism() const { return mechanism_; }

  private:
    asio::awaitable<Result<smtp::Reply>> ehlo();
    asio::awaitable<Status> starttls();
    asio::awaitable<Status> handshake();
    asio::awaitable<Status> authenticate(const smtp::Capabilities& capabilities);
    asio::awaitable<Result<smtp::Reply>> converse(sasl::Mechanism& mechanism, std::string line,
                                                  std::string shown);
    asio::awaitable<Result<Negotiation>> atrn(smtp::Capabilities capabilities);
    ChannelBinding binding();
    Duration limit(Duration timeout) const { return config_.deadline.left(timeout); }
    Result<std::string> choose_mechanism(const smtp::Capabilities& capabilities,
                                         const ChannelBinding& binding) const;

    net::Reader& reader_;
    const CustomerConfig& config_;
    const Log& log_;
    smtp::Client client_;
    std::string mechanism_;
};

}  // namespace odmr::atrn
