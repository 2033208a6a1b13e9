// EXTERNAL (RFC 4422 appendix A): the TLS client certificate proves who we
// are; the only message is the identity to act as (empty: the one the
// certificate maps to).
#pragma once

#include "sasl/mechanism.h"

namespace odmr::sasl {

class External final : public Mechanism {
  public:
    explicit External(Credentials credentials) : authzid_(std::move(credentials.authzid)) {}
    std::string_view name() const override { return "EXTERNAL"; }
    bool reveals_password() const override { return false; }
    Result<std::optional<std::string>> initial_response() override;
    Result<std::string> respond(std::string_view challenge) override;

  private:
    std::string authzid_;
    bool sent_ = false;
};

}  // namespace odmr::sasl
