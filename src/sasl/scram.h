// SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), with or without
// channel binding (-PLUS, RFC 5056: tls-exporter, tls-unique,
// tls-server-end-point). The password never crosses the wire, and the server
// must prove that it knows it too: its signature is checked in constant time,
// and a server that skips or fails that proof is reported as a possible
// impostor (Errc::protocol) before anything else is sent.
#pragma once

#include <string>
#include <vector>

#include "sasl/mechanism.h"

namespace odmr::sasl {

enum class ScramHash { sha1, sha256 };

class Scram final : public Mechanism {
  public:
    // `client_nonce` is for the published test vectors; empty: 24 random bytes.
    Scram(ScramHash hash, bool plus, Credentials credentials, Connection connection,
          std::string client_nonce = {});
    ~Scram() override;
    Scram(const Scram&) = delete;
    Scram& operator=(const Scram&) = delete;

    std::string_view name() const override { return name_; }
    bool reveals_password() const override { return false; }
    Result<std::optional<std::string>> initial_response() override;
    Result<std::string> respond(std::string_view challenge) override;
    Status finish() override;
    std::string diagnostic() const override { return diagnostic_; }

    // The smallest and largest iteration counts accepted from a server: fewer
    // would make the proof we send cheap to attack offline (RFC 7677 §4
    // asks for at least 4096), more would let a server keep us busy.
    static constexpr unsigned min_iterations = 4096;
    static constexpr unsigned max_iterations = 10'000'000;

  private:
    Result<std::string> client_final(std::string_view server_first);
    Status verify_server_final(std::string_view server_final);
    Error server_error(std::string_view value);  // an e= attribute, in words
    std::string gs2_header() const;

    ScramHash hash_;
    bool plus_;
    std::string name_;
    Credentials credentials_;
    Connection connection_;
    std::string client_nonce_;
    std::string client_first_bare_;
    std::vector<unsigned char> server_signature_;  // expected; wiped on destruction
    std::string diagnostic_;
    int step_ = 0;
    bool verified_ = false;
};

}  // namespace odmr::sasl
