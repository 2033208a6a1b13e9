// Everything one run needs, resolved and checked: where the provider is,
// how to prove who we are (the password in guarded memory), what to ask
// for, and where the mail goes.
#pragma once

#include <memory>
#include <string>

#include "app/duration.h"
#include "app/options.h"
#include "deliver/handoff.h"
#include "deliver/local_endpoint.h"
#include "net/connect.h"
#include "net/route.h"
#include "net/tls.h"
#include "odmr/customer.h"
#include "smtp/server.h"
#include "util/result.h"
#include "util/secret.h"

namespace odmr::app {

// The KIND of --deliver KIND:TARGET. All but handoff are a mail::Sink
// that smtp::Server fills; handoff bridges the session (deliver::Handoff).
enum class DeliveryKind { maildir, mda, lmtp, smtp, handoff };

// Where the mail goes (--deliver KIND:TARGET), checked.
struct DeliverySpec {
    DeliveryKind kind = DeliveryKind::maildir;
    std::string target;               // maildir: the path pattern, "~" expanded
    std::vector<std::string> argv;    // mda: the program and its arguments (with placeholders)
    deliver::LocalEndpoint endpoint;  // lmtp, smtp
    deliver::HandoffTarget handoff;   // handoff
};

struct Account {
    std::string name;  // NAME of `odmr-fetch NAME`, or the first domain (logs, locks, summaries)
    net::Route route;  // the provider, and the SOCKS5 proxy on the way if any
    net::TlsPolicy tls_policy;
    Duration connect_timeout{};
    Duration mda_timeout{};
    bool maildir_existing_only = false;  // refuse recipients without a Maildir
    Duration run_timeout{};              // the whole run, every session (--run-timeout)
    Millis retry_delay{3000};  // ask once more after a delivery and an empty turn (0: never)
    unsigned max_sessions = 100;
    std::unique_ptr<Secret> password;  // stable address: the customer config points at it
                                       // (null when only EXTERNAL is used, or --serverinfo)
    bool serverinfo = false;           // show the provider's offer instead of fetching
    atrn::CustomerConfig customer;
    smtp::ServerConfig server;
    DeliverySpec delivery;
    std::vector<std::string> warnings;  // for the log, e.g. a password file others can read
};

inline constexpr std::uint16_t odmr_port = 366;

Result<DeliverySpec> parse_delivery(const std::string& text);
std::string expand_home(const std::string& path);
std::string local_host_name();

// With --serverinfo, no DOMAIN and no password are needed.
Result<Account> resolve_account(const Options& options);

}  // namespace odmr::app
