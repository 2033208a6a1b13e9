// PLAIN (RFC 4616): "authzid NUL authcid NUL password" in one initial response.
#pragma once

#include "sasl/mechanism.h"

namespace odmr::sasl {

class Plain final : public Mechanism {
  public:
    explicit Plain(Credentials credentials) : credentials_(std::move(credentials)) {}
    std::string_view name() const override { return "PLAIN"; }
    bool reveals_password() const override { return true; }
    Result<std::optional<std::string>> initial_response() override;
    Result<std::string> respond(std::string_view challenge) override;

  private:
    Credentials credentials_;
    bool sent_ = false;
};

}  // namespace odmr::sasl
