// The SOCKS5 proxy of --proxy and its password. A password written in the
// URL works but is warned about: on the command line every local user sees
// it with ps. The other sources are those of the account password
// (app/credentials.h): --proxy-password-file, --proxy-password-command, the
// systemd credential "proxy-password", and ~/.netrc's entry for the proxy
// host (whose login is the proxy user when the URL names none).
#pragma once

#include "app/account.h"
#include "app/options.h"
#include "util/result.h"

namespace odmr::app {

Status resolve_proxy(const Options& options, Account& account);

}  // namespace odmr::app
