// The one table of exit statuses (sysexits.h), shared by --help, the man
// page and the README. Errors are mapped here and nowhere else.
#pragma once

#include <string>

#include "util/result.h"

namespace odmr::app {

enum ExitCode : int {
    exit_delivered = 0,     // mail was delivered
    exit_no_mail = 1,       // no mail was waiting
    exit_usage = 64,        // EX_USAGE: bad command line
    exit_dataerr = 65,      // EX_DATAERR
    exit_nohost = 68,       // EX_NOHOST: provider name does not resolve
    exit_unavailable = 69,  // EX_UNAVAILABLE: cannot connect, TLS refused, permanent refusal
    exit_software = 70,     // EX_SOFTWARE: a bug
    exit_oserr = 71,        // EX_OSERR
    exit_cantcreat = 73,    // EX_CANTCREAT: the mailbox cannot be created
    exit_ioerr = 74,        // EX_IOERR
    exit_tempfail = 75,     // EX_TEMPFAIL: try again later
    exit_protocol = 76,     // EX_PROTOCOL: the provider broke the protocol
    exit_noperm = 77,       // EX_NOPERM: credentials refused
    exit_config = 78,       // EX_CONFIG: bad configuration
};

int exit_code_for(const Error& error);

// The table as printed at the end of --help.
std::string exit_code_table();

}  // namespace odmr::app
