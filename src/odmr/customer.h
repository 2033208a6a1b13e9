// The customer's half of ODMR (RFC 2645 §4): greeting, EHLO, STARTTLS,
// EHLO again, AUTH, then ATRN for our domains. Its outcome says whether the
// line is about to turn around (mail follows) or there is nothing to fetch;
// every failure is a typed error (auth rejected, temporary, permanent, TLS,
// protocol).
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "net/reader.h"
#include "sasl/mechanism.h"
#include "smtp/client.h"
#include "smtp/reply.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::odmr {

enum class TlsMode { starttls, implicit, none };

struct CustomerConfig {
    std::string helo_name;    // our EHLO name
    std::string server_name;  // the provider's name, for SNI and the certificate check
    TlsMode tls = TlsMode::starttls;
    sasl::Credentials credentials;
    std::vector<std::string> auth_preference;  // empty: strongest first
    bool allow_plaintext_auth = false;
    std::vector<std::string> domains;  // ATRN argument
    net::Duration command_timeout = std::chrono::minutes(5);
    net::Duration atrn_timeout = std::chrono::minutes(10);
};

enum class Outcome { mail_follows, no_mail };

struct Negotiation {
    Outcome outcome = Outcome::no_mail;
    smtp::Capabilities capabilities;
    smtp::Reply atrn_reply;
};

class Customer {
  public:
    Customer(net::Reader& reader, const CustomerConfig& config, const Log& log);

    asio::awaitable<Result<Negotiation>> negotiate();
    // Politely ends a session that did not turn around.
    asio::awaitable<void> quit();

  private:
    asio::awaitable<Result<smtp::Capabilities>> ehlo();
    asio::awaitable<Status> starttls();
    asio::awaitable<Status> authenticate(const smtp::Capabilities& capabilities);
    asio::awaitable<Result<Negotiation>> atrn(smtp::Capabilities capabilities);

    net::Reader& reader_;
    const CustomerConfig& config_;
    const Log& log_;
    smtp::Client client_;
};

}  // namespace odmr::odmr
