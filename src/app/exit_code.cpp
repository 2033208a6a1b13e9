#include "app/exit_code.h"

#include <cerrno>

namespace odmr::app {

int exit_code_for(const Error& error) {
    if (error.code.category() == odmr_category()) {
        switch (static_cast<Errc>(error.code.value())) {
            case Errc::usage:
                return exit_usage;
            case Errc::config:
                return exit_config;
            case Errc::no_host:
                return exit_nohost;
            case Errc::unavailable:
                return exit_unavailable;
            case Errc::tls:
                return exit_unavailable;
            case Errc::timeout:
                return exit_tempfail;
            case Errc::connection_lost:
                return exit_tempfail;
            case Errc::protocol:
                return exit_protocol;
            case Errc::auth_rejected:
                return exit_noperm;
            case Errc::auth_unavailable:
                return exit_noperm;
            case Errc::temporary:
                return exit_tempfail;
            case Errc::permanent:
                return exit_unavailable;
            case Errc::line_too_long:
                return exit_protocol;
            case Errc::storage:
                return exit_tempfail;
            case Errc::software:
                return exit_software;
            case Errc::stopped:
                return exit_tempfail;
        }
        return exit_software;
    }
    if (error.code.category() == std::generic_category() ||
        error.code.category() == std::system_category()) {
        switch (error.code.value()) {
            case ENOENT:
            case EACCES:
            case EPERM:
                return exit_config;
            case ECONNREFUSED:
            case EHOSTUNREACH:
            case ENETUNREACH:
                return exit_unavailable;
            default:
                return exit_tempfail;
        }
    }
    return exit_tempfail;  // anything else (TLS library, resolver): try again later
}

std::string exit_code_table() {
    return "Exit status:\n"
           "   0  mail was delivered (a later temporary failure is only a warning)\n"
           "   1  no mail was waiting\n"
           "  64  usage error (bad option or argument)\n"
           "  68  the provider's host name does not resolve\n"
           "  69  cannot connect (directly or through the proxy), TLS failed or refused,\n"
           "      or the provider refused permanently\n"
           "  70  internal error (a bug)\n"
           "  75  temporary failure: try again later (4xx reply, timeout, lost connection,\n"
           "      local delivery failure, stopped by a signal, account locked by another run)\n"
           "  76  the provider broke the protocol or failed to prove who it is (SCRAM)\n"
           "  77  authentication failed or was refused (by the provider or the proxy)\n"
           "  78  configuration error (config file, password file, client certificate)\n";
}

}  // namespace odmr::app
