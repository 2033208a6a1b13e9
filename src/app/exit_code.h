// The one table of exit statuses (sysexits.h). --help prints it, and the
// docs test (tests/integration/check_docs.py) holds the README and the man
// page to it. Errors are mapped to a status here and nowhere else.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr::app {

enum ExitCode : int {
    exit_delivered = 0,
    exit_no_mail = 1,
    exit_usage = 64,
    exit_nohost = 68,
    exit_unavailable = 69,
    exit_software = 70,
    exit_ioerr = 74,
    exit_tempfail = 75,
    exit_protocol = 76,
    exit_noperm = 77,
    exit_config = 78,
};

struct ExitStatus {
    ExitCode code;
    std::string_view name;     // as in sysexits.h; empty for 1, which it does not define
    std::string_view meaning;  // one line of --help, README and the man page
};

inline constexpr std::array<ExitStatus, 11> exit_statuses{{
    {exit_delivered, "EX_OK",
     "mail was delivered (a later temporary failure in the same run is only a warning)"},
    {exit_no_mail, "", "no mail was waiting"},
    {exit_usage, "EX_USAGE", "usage error (bad option or argument)"},
    {exit_nohost, "EX_NOHOST", "the provider's host name does not resolve"},
    {exit_unavailable, "EX_UNAVAILABLE",
     "cannot connect (directly or through the proxy), TLS failed or was refused, or the "
     "provider refused permanently"},
    {exit_software, "EX_SOFTWARE", "internal error (a bug)"},
    {exit_ioerr, "EX_IOERR", "--serverinfo could not write its report"},
    {exit_tempfail, "EX_TEMPFAIL",
     "temporary failure, try again later: 4xx reply, timeout, lost connection, local "
     "delivery failure, stopped by SIGTERM/SIGINT, account locked by another run"},
    {exit_protocol, "EX_PROTOCOL",
     "the provider broke the protocol, or failed to prove who it is (SCRAM server signature)"},
    {exit_noperm, "EX_NOPERM",
     "authentication failed or was refused (by the provider or the SOCKS5 proxy)"},
    {exit_config, "EX_CONFIG",
     "configuration error (config or account file, password file or command, client "
     "certificate, a secret file others can read)"},
}};

int exit_code_for(const Error& error);

// The table as printed at the end of --help, wrapped to `width` columns.
std::string exit_code_table(std::size_t width = 80);

}  // namespace odmr::app
