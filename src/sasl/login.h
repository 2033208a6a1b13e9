// LOGIN (draft-murchison-sasl-login): user name, then password, each in
// answer to a challenge. Obsolete but still common.
#pragma once

#include "sasl/mechanism.h"

namespace odmr::sasl {

class Login final : public Mechanism {
  public:
    explicit Login(Credentials credentials) : credentials_(std::move(credentials)) {}
    std::string_view name() const override { return "LOGIN"; }
    bool reveals_password() const override { return true; }
    Result<std::string> respond(std::string_view challenge) override;

  private:
    Credentials credentials_;
    int step_ = 0;
};

}  // namespace odmr::sasl
