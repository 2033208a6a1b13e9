// OAUTHBEARER (RFC 7628): a GS2 header naming the user, then
// "^A auth=Bearer TOKEN ^A ^A". The token comes from the password source
// and is as good as a password while it lasts: TLS only, unless explicitly
// allowed. On failure the server sends a JSON error as a challenge, which is
// answered with a lone ^A (§3.2.3) and kept for the message.
#pragma once

#include "sasl/mechanism.h"

namespace odmr::sasl {

class OAuthBearer final : public Mechanism {
  public:
    explicit OAuthBearer(Credentials credentials) : credentials_(std::move(credentials)) {}
    std::string_view name() const override { return "OAUTHBEARER"; }
    bool reveals_password() const override { return true; }
    Result<std::optional<std::string>> initial_response() override;
    Result<std::string> respond(std::string_view challenge) override;
    std::string diagnostic() const override { return diagnostic_; }

  private:
    Credentials credentials_;
    std::string diagnostic_;
    int step_ = 0;
};

}  // namespace odmr::sasl
