#include "sasl/scram.h"

#include <doctest/doctest.h>

#include <string>

#include "util/base64.h"
#include "util/secret.h"

using namespace odmr;
using namespace odmr::sasl;

namespace {

std::string first_message(Scram& mechanism) {
    auto initial = mechanism.initial_response();
    REQUIRE_MESSAGE(initial.ok(), initial.error().message());
    REQUIRE(initial->has_value());
    return **initial;
}

std::string must_respond(Scram& mechanism, std::string_view challenge) {
    auto response = mechanism.respond(challenge);
    REQUIRE_MESSAGE(response.ok(), response.error().message());
    return *response;
}

Error must_fail(Scram& mechanism, std::string_view challenge) {
    auto response = mechanism.respond(challenge);
    REQUIRE_FALSE(response.ok());
    return response.error();
}

// RFC 5802 §5: SCRAM-SHA-1, user "user", password "pencil".
constexpr std::string_view sha1_nonce = "fyko+d2lbbFgONRv9qkxdawL";
constexpr std::string_view sha1_server_first =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
constexpr std::string_view sha1_client_final =
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
constexpr std::string_view sha1_server_final = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

// RFC 7677 §3: SCRAM-SHA-256, the same user and password.
constexpr std::string_view sha256_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view sha256_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view sha256_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view sha256_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

struct Sha256Vector {
    Secret password{"pencil"};
    Scram mechanism{ScramHash::sha256, false, {"user", &password}, {}, std::string(sha256_nonce)};
};

}  // namespace

TEST_CASE("SCRAM-SHA-1 reproduces RFC 5802's example exchange") {
    Secret password("pencil");
    Scram mechanism(ScramHash::sha1, false, {"user", &password}, {}, std::string(sha1_nonce));
    CHECK(mechanism.name() == "SCRAM-SHA-1");
    CHECK_FALSE(mechanism.reveals_password());
    CHECK(first_message(mechanism) == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    CHECK(must_respond(mechanism, sha1_server_first) == sha1_client_final);
    CHECK(must_respond(mechanism, sha1_server_final).empty());
    CHECK(mechanism.finish().ok());
}

TEST_CASE("SCRAM-SHA-256 reproduces RFC 7677's example exchange") {
    Sha256Vector v;
    CHECK(v.mechanism.name() == "SCRAM-SHA-256");
    CHECK(first_message(v.mechanism) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    CHECK(must_respond(v.mechanism, sha256_server_first) == sha256_client_final);
    CHECK(must_respond(v.mechanism, sha256_server_final).empty());
    CHECK(v.mechanism.finish().ok());
}

TEST_CASE("a wrong SCRAM server signature is refused as a possible impostor") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    // The first byte of the signature changed.
    auto error = must_fail(v.mechanism, "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    CHECK(error.is(Errc::protocol));
    CHECK(error.message().find("impostor") != std::string::npos);
    CHECK_FALSE(v.mechanism.finish().ok());
}

TEST_CASE("a server signature of the wrong length is refused") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    CHECK(must_fail(v.mechanism, sha1_server_final).is(Errc::protocol));
}

TEST_CASE("a server that says yes without its signature is not trusted") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    auto finished = v.mechanism.finish();  // 235 arrived instead of v=
    REQUIRE_FALSE(finished.ok());
    CHECK(finished.error().is(Errc::protocol));
    CHECK(finished.error().message().find("impostor") != std::string::npos);
}

TEST_CASE("a server nonce that does not extend ours is refused") {
    Sha256Vector v;
    first_message(v.mechanism);
    CHECK(must_fail(v.mechanism, "r=somebodyelse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
              .is(Errc::protocol));
}

TEST_CASE("a server nonce equal to ours (nothing added) is refused") {
    Sha256Vector v;
    first_message(v.mechanism);
    CHECK(must_fail(v.mechanism, "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
              .is(Errc::protocol));
}

TEST_CASE("too few or too many iterations are refused") {
    for (const char* count : {"4095", "1", "10000001"}) {
        CAPTURE(count);
        Sha256Vector v;
        first_message(v.mechanism);
        std::string server_first =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=" + std::string(count);
        CHECK(must_fail(v.mechanism, server_first).is(Errc::protocol));
    }
}

TEST_CASE("malformed server-first messages are protocol errors") {
    for (const char* bad :
         {"", "r=rOprNGfwEbeRWgbNEkqOxyz", "r=rOprNGfwEbeRWgbNEkqOxyz,s=W2!,i=4096",
          "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=12ab",
          "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
          "m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "garbage"}) {
        std::string shown(bad);
        CAPTURE(shown);
        Sha256Vector v;
        first_message(v.mechanism);
        CHECK(must_fail(v.mechanism, bad).is(Errc::protocol));
    }
}

TEST_CASE("e=invalid-proof in the server's last message is a rejected password") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    auto error = must_fail(v.mechanism, "e=invalid-proof");
    CHECK(error.is(Errc::auth_rejected));
    CHECK(v.mechanism.diagnostic() == "e=invalid-proof");
}

TEST_CASE("e=channel-bindings-dont-match points at an interception") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    auto error = must_fail(v.mechanism, "e=channel-bindings-dont-match");
    CHECK(error.is(Errc::protocol));
    CHECK(error.message().find("intercepts TLS") != std::string::npos);
}

TEST_CASE("an e= value with control characters is shown only as printable, bounded text") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    std::string hostile = "bad\x1b[2J\r\nforged: yes" + std::string(1000, 'x');
    auto error = must_fail(v.mechanism, "e=" + hostile);
    CHECK(error.is(Errc::auth_rejected));
    CHECK(v.mechanism.diagnostic().starts_with("e=bad?[2J??forged: yes"));
    CHECK(v.mechanism.diagnostic().size() == 2 + max_server_said);
    CHECK(error.message().find('\x1b') == std::string::npos);
    CHECK(error.message().find('\n') == std::string::npos);
}

TEST_CASE("a challenge after the last step is refused") {
    Sha256Vector v;
    first_message(v.mechanism);
    must_respond(v.mechanism, sha256_server_first);
    must_respond(v.mechanism, sha256_server_final);
    CHECK(must_fail(v.mechanism, "more").is(Errc::protocol));
}

TEST_CASE("SCRAM-PLUS puts the binding type in its header and the data in c=") {
    Secret password("pencil");
    ChannelBinding binding{"tls-exporter", std::string("\x01\x02\x03\xff", 4)};
    Scram mechanism(ScramHash::sha256, true, {"user", &password}, {binding, true}, "nonce");
    CHECK(mechanism.name() == "SCRAM-SHA-256-PLUS");
    CHECK(first_message(mechanism) == "p=tls-exporter,,n=user,r=nonce");
    auto final = must_respond(mechanism, "r=nonce+server,s=QSXCR+Q6sek8bf92,i=4096");
    std::string expected_c = base64::encode("p=tls-exporter,," + binding.data);
    CHECK(final.starts_with("c=" + expected_c + ",r=nonce+server,p="));
}

TEST_CASE("SCRAM-PLUS without binding data does not start") {
    Secret password("pencil");
    Scram mechanism(ScramHash::sha1, true, {"user", &password}, {}, "nonce");
    auto initial = mechanism.initial_response();
    REQUIRE_FALSE(initial.ok());
    CHECK(initial.error().is(Errc::auth_unavailable));
}

TEST_CASE("plain SCRAM says 'y' when it could bind but the server offers no -PLUS") {
    Secret password("pencil");
    ChannelBinding binding{"tls-unique", "0123456789ab"};
    Scram without_plus(ScramHash::sha256, false, {"user", &password}, {binding, false}, "n1");
    CHECK(first_message(without_plus) == "y,,n=user,r=n1");
    Scram plus_offered(ScramHash::sha256, false, {"user", &password}, {binding, true}, "n2");
    CHECK(first_message(plus_offered) == "n,,n=user,r=n2");
    auto final = must_respond(plus_offered, "r=n2x,s=QSXCR+Q6sek8bf92,i=4096");
    CHECK(final.starts_with("c=biws,"));  // "n,," without binding data
}

TEST_CASE("'=' and ',' in the user name are escaped") {
    Secret password("pencil");
    Scram mechanism(ScramHash::sha256, false, {"a=b,c", &password}, {}, "nonce");
    CHECK(first_message(mechanism) == "n,,n=a=3Db=2Cc,r=nonce");
}

TEST_CASE("random client nonces differ and contain no comma") {
    Secret password("pencil");
    Scram a(ScramHash::sha256, false, {"user", &password}, {});
    Scram b(ScramHash::sha256, false, {"user", &password}, {});
    auto first_a = first_message(a), first_b = first_message(b);
    CHECK(first_a != first_b);
    CHECK(first_a.substr(first_a.find("r=") + 2).find(',') == std::string::npos);
    CHECK(first_a.size() >= std::string("n,,n=user,r=").size() + 24);
}

TEST_CASE("a user name SASLprep cannot take is a clear configuration error") {
    Secret password("pencil");
    Scram mechanism(ScramHash::sha256, false, {std::string("bad\x07name"), &password}, {}, "n");
    auto initial = mechanism.initial_response();
    REQUIRE_FALSE(initial.ok());
    CHECK(initial.error().is(Errc::config));
    CHECK(initial.error().message().find("SASLprep") != std::string::npos);
}

TEST_CASE("a non-ASCII password is prepared before hashing: NFKC makes U+2168 'IX'") {
    // SASLprep maps ROMAN NUMERAL NINE (U+2168) to "IX", so both passwords
    // must give the same proof.
    Secret roman("\xE2\x85\xA8");
    Secret ascii("IX");
    Scram a(ScramHash::sha256, false, {"user", &roman}, {}, "nonce");
    Scram b(ScramHash::sha256, false, {"user", &ascii}, {}, "nonce");
    first_message(a);
    first_message(b);
    std::string server_first = "r=nonce+s,s=QSXCR+Q6sek8bf92,i=4096";
    CHECK(must_respond(a, server_first) == must_respond(b, server_first));
}
