// --serverinfo: what the provider offers, for a user setting up (like
// msmtp's --serverinfo). Connects as configured (directly or through the
// proxy, TLS as configured and verified), says EHLO, and describes the TLS
// session, the certificate, and the extensions; never authenticates and
// never sends ATRN.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <string>

#include "app/account.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::app {

// The report, ready for standard output.
asio::awaitable<Result<std::string>> serverinfo(const Account& account,
                                                asio::ssl::context& tls_context, const Log& log);

}  // namespace odmr::app
