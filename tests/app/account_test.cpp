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
