// CRAM-MD5 (RFC 2195): "user HEX(HMAC-MD5(password, challenge))". Weak by
// today's standards, but RFC 2645 requires ODMR providers to offer it.
#pragma once

#include "sasl/mechanism.h"

namespace odmr::sasl {

class CramMd5 final : public Mechanism {
  public:
    explicit CramMd5(Credentials credentials) : credentials_(std::move(credentials)) {}
    std::string_view name() const override { return "CRAM-MD5"; }
    bool reveals_password() const override { return false; }
    Result<std::string> respond(std::string_view challenge) override;

  private:
    Credentials credentials_;
    bool answered_ = false;
};

}  // namespace odmr::sasl
