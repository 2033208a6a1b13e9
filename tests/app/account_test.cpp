#include "app/account.h"

#include <doctest/doctest.h>

using ::odmr::Errc;
using namespace ::odmr::app;

using Words = std::vector<std::string>;

TEST_CASE("maildir: takes a path with {recipient} {local} {domain} and nothing else") {
    auto spec = parse_delivery("maildir:/srv/mail/{domain}/{local}/");
    REQUIRE(spec.ok());
    CHECK(spec->kind == DeliveryKind::maildir);
    CHECK(spec->target == "/srv/mail/{domain}/{local}");
    CHECK(parse_delivery("maildir:/srv/{user}").error().is(Errc::usage));
    CHECK(parse_delivery("maildir:/srv/{sender}").error().is(Errc::usage));
}

TEST_CASE("mda: splits the command without a shell and checks its placeholders") {
    auto spec = parse_delivery("mda:/usr/lib/dovecot/dovecot-lda -f {sender} -a '{recipient}'");
    REQUIRE(spec.ok());
    CHECK(spec->argv ==
          Words{"/usr/lib/dovecot/dovecot-lda", "-f", "{sender}", "-a", "{recipient}"});
    CHECK(parse_delivery("mda:procmail -a {nope}").error().is(Errc::usage));
    CHECK(parse_delivery("mda:procmail 'unterminated").error().is(Errc::usage));
}

TEST_CASE("mda:sendmail is the system sendmail with -oi -f {sender} -- {recipient}") {
    auto spec = parse_delivery("mda:sendmail");
    REQUIRE(spec.ok());
    CHECK(spec->argv == Words{"/usr/sbin/sendmail", "-oi", "-f", "{sender}", "--", "{recipient}"});
}

TEST_CASE("lmtp: and smtp: take unix:/path or HOST:PORT") {
    auto unix = parse_delivery("lmtp:unix:/run/dovecot/lmtp");
    REQUIRE(unix.ok());
    CHECK(unix->endpoint.unix_path == "/run/dovecot/lmtp");
    auto tcp = parse_delivery("smtp:[::1]:2525");
    REQUIRE(tcp.ok());
    CHECK(tcp->endpoint.tcp.host == "::1");
    CHECK(tcp->endpoint.tcp.port == 2525);
    CHECK(parse_delivery("lmtp:localhost").error().is(Errc::usage));      // no port
    CHECK(parse_delivery("smtp:unix:relative").error().is(Errc::usage));  // not absolute
}

TEST_CASE("handoff: takes tcp:, unix: or exec:") {
    auto tcp = parse_delivery("handoff:tcp:127.0.0.1:25");
    REQUIRE(tcp.ok());
    CHECK(tcp->handoff.endpoint.tcp.port == 25);
    CHECK(tcp->handoff.argv.empty());
    auto unix = parse_delivery("handoff:unix:/run/mta.sock");
    REQUIRE(unix.ok());
    CHECK(unix->handoff.endpoint.unix_path == "/run/mta.sock");
    auto exec = parse_delivery("handoff:exec:/usr/sbin/exim4 -bs");
    REQUIRE(exec.ok());
    CHECK(exec->handoff.argv == Words{"/usr/sbin/exim4", "-bs"});
    CHECK(parse_delivery("handoff:/run/mta.sock").error().is(Errc::usage));
}

TEST_CASE("an unknown kind names the known ones") {
    auto spec = parse_delivery("mbox:/var/mail/me");
    REQUIRE_FALSE(spec.ok());
    CHECK(spec.error().detail.find("lmtp:") != std::string::npos);
}

namespace {

// Options that resolve without a password (--serverinfo) but with domains.
Options serverinfo_options() {
    Options o;
    o.serverinfo = true;
    o.host = "odmr.example.net";
    return o;
}

}  // namespace

TEST_CASE("--helo-name with a line break, a space or a control character is a usage error") {
    for (const char* name :
         {"host.example\r\nX-Evil: 1", "host.example\n", "host example", "host\x1b[2J", "a\x7f"}) {
        CAPTURE(name);
        Options o = serverinfo_options();
        o.helo_name = name;
        auto account = resolve_account(o);
        REQUIRE_FALSE(account.ok());
        CHECK(account.error().is(Errc::usage));
        CHECK(account.error().detail.find("--helo-name") != std::string::npos);
    }
    Options o = serverinfo_options();
    o.helo_name = "mx.example.org";
    auto account = resolve_account(o);
    REQUIRE(account.ok());
    CHECK(account->server.hostname == "mx.example.org");
}

TEST_CASE("domains are normalised to lower-case A-labels once, at start-up") {
    Options o = serverinfo_options();
    o.domains = {"Bücher.Example,EXAMPLE.org", "xn--strae-oqa.example"};
    auto account = resolve_account(o);
    REQUIRE(account.ok());
    CHECK(account->server.domains ==
          Words{"xn--bcher-kva.example", "example.org", "xn--strae-oqa.example"});
    CHECK(account->customer.domains == account->server.domains);
}

TEST_CASE("a domain that is not a valid IDN is a usage error") {
    for (const char* domain : {"xn--zz.example",
                               "a\xe2\x80\x8d"
                               "b.example",
                               "\xff.example"}) {
        CAPTURE(domain);
        Options o = serverinfo_options();
        o.domains = {domain};
        auto account = resolve_account(o);
        REQUIRE_FALSE(account.ok());
        CHECK(account.error().is(Errc::usage));
    }
}

TEST_CASE("retry-delay belongs to the account: an account file may set it") {
    Options o = serverinfo_options();
    CHECK(resolve_account(o)->retry_delay == std::chrono::seconds(3));
    o.run.retry_delay = "250ms";
    CHECK(resolve_account(o)->retry_delay == std::chrono::milliseconds(250));
    o.run.retry_delay = "0";
    CHECK(resolve_account(o)->retry_delay.count() == 0);
    o.run.retry_delay = "soon";
    auto account = resolve_account(o);
    REQUIRE_FALSE(account.ok());
    CHECK(account.error().is(Errc::usage));
    CHECK(account.error().detail.find("--retry-delay") != std::string::npos);
}
