#include "sasl/mechanism.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "util/text.h"

using namespace odmr;
using namespace odmr::sasl;

namespace {

const std::vector<std::string> all_three{"PLAIN", "LOGIN", "CRAM-MD5"};

Choice with_tls() {
    return {{}, true, false};
}
Choice without_tls() {
    return {{}, false, false};
}

std::string must_choose(const std::vector<std::string>& offered, const Choice& choice) {
    auto chosen = choose_mechanism(offered, choice);
    REQUIRE_MESSAGE(chosen.ok(), chosen.error().message());
    return *chosen;
}

Error must_refuse(const std::vector<std::string>& offered, const Choice& choice) {
    auto chosen = choose_mechanism(offered, choice);
    REQUIRE_FALSE(chosen.ok());
    return chosen.error();
}

}  // namespace

TEST_CASE("make_mechanism knows PLAIN, LOGIN and CRAM-MD5 in any case") {
    CHECK(make_mechanism("PLAIN", {})->name() == "PLAIN");
    CHECK(make_mechanism("plain", {})->name() == "PLAIN");
    CHECK(make_mechanism("Login", {})->name() == "LOGIN");
    CHECK(make_mechanism("cram-md5", {})->name() == "CRAM-MD5");
}

TEST_CASE("make_mechanism returns nothing for a mechanism it does not implement") {
    CHECK(make_mechanism("SCRAM-SHA-512", {}) == nullptr);
    CHECK(make_mechanism("NTLM", {}) == nullptr);
    CHECK(make_mechanism("GSSAPI", {}) == nullptr);
    CHECK(make_mechanism("", {}) == nullptr);
}

TEST_CASE("every supported mechanism can be made") {
    for (const auto& name : supported_mechanisms()) {
        CAPTURE(name);
        auto mechanism = make_mechanism(name, {});
        REQUIRE(mechanism != nullptr);
        CHECK(mechanism->name() == name);
    }
}

TEST_CASE("inside TLS the default preference picks PLAIN") {
    CHECK(must_choose(all_three, with_tls()) == "PLAIN");
}

TEST_CASE("without TLS the default preference picks CRAM-MD5") {
    CHECK(must_choose(all_three, without_tls()) == "CRAM-MD5");
}

TEST_CASE("without TLS PLAIN alone is refused with a hint at --allow-plaintext-auth") {
    auto error = must_refuse({"PLAIN"}, without_tls());
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.message().find("--allow-plaintext-auth") != std::string::npos);
    CHECK(error.message().find("PLAIN") != std::string::npos);
}

TEST_CASE("without TLS LOGIN alone is refused too") {
    auto error = must_refuse({"LOGIN"}, without_tls());
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.message().find("--allow-plaintext-auth") != std::string::npos);
}

TEST_CASE("allow_plaintext permits PLAIN without TLS") {
    CHECK(must_choose({"PLAIN"}, {{}, false, true}) == "PLAIN");
}

TEST_CASE("an explicit preference order is honoured") {
    CHECK(must_choose(all_three, {{"LOGIN", "PLAIN"}, true, false}) == "LOGIN");
    CHECK(must_choose(all_three, {{"CRAM-MD5", "PLAIN"}, true, false}) == "CRAM-MD5");
}

TEST_CASE("a preference lists only the mechanisms that may be used") {
    auto error = must_refuse({"PLAIN", "LOGIN"}, {{"CRAM-MD5"}, true, false});
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.message().find("PLAIN LOGIN") != std::string::npos);
}

TEST_CASE("offered names are matched case-insensitively and returned upper-case") {
    CHECK(must_choose({"cram-md5"}, without_tls()) == "CRAM-MD5");
    CHECK(must_choose({"login"}, {{"login"}, true, false}) == "LOGIN");
}

TEST_CASE("mechanisms we do not implement are skipped") {
    CHECK(must_choose({"GSSAPI", "CRAM-MD5"}, {{"GSSAPI", "CRAM-MD5"}, false, false}) ==
          "CRAM-MD5");
}

TEST_CASE("no AUTH mechanisms offered is auth_unavailable") {
    auto error = must_refuse({}, with_tls());
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.message().find("none") != std::string::npos);
}

TEST_CASE("only unknown mechanisms offered is auth_unavailable and lists them") {
    auto error = must_refuse({"GSSAPI", "NTLM"}, with_tls());
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.message().find("GSSAPI NTLM") != std::string::npos);
    CHECK(error.message().find("--allow-plaintext-auth") == std::string::npos);
}

namespace {

const std::vector<std::string> everything{
    "CRAM-MD5",           "PLAIN",    "LOGIN",   "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-256-PLUS", "EXTERNAL", "XOAUTH2", "OAUTHBEARER"};

Choice tls_with_binding() {
    Choice c;
    c.tls_active = true;
    c.channel_binding = true;
    return c;
}

}  // namespace

TEST_CASE("the default preference is SCRAM-PLUS, SCRAM, PLAIN/LOGIN, CRAM-MD5") {
    std::vector<std::string> offered = everything;
    std::vector<std::string> order;
    for (;;) {
        auto chosen = choose_mechanism(offered, tls_with_binding());
        if (!chosen) break;
        order.push_back(*chosen);
        offered.erase(std::find(offered.begin(), offered.end(), *chosen));
    }
    CHECK(order == std::vector<std::string>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                                            "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN",
                                            "CRAM-MD5"});
}

TEST_CASE("-PLUS is only chosen with channel binding data") {
    Choice c = tls_with_binding();
    c.channel_binding = false;
    CHECK(must_choose(everything, c) == "SCRAM-SHA-256");
    auto error = must_refuse({"SCRAM-SHA-256-PLUS"}, c);
    CHECK(error.message().find("channel binding") != std::string::npos);
    CHECK(must_choose(everything, without_tls()) == "SCRAM-SHA-256");
}

TEST_CASE("EXTERNAL leads the default only with a client certificate, and needs TLS") {
    Choice c = tls_with_binding();
    CHECK(must_choose(everything, c) == "SCRAM-SHA-256-PLUS");
    c.client_certificate = true;
    CHECK(must_choose(everything, c) == "EXTERNAL");
    c.tls_active = false;
    c.channel_binding = false;
    CHECK(must_choose(everything, c) == "SCRAM-SHA-256");
    Choice asked{{"EXTERNAL"}, true, false, false, false};
    CHECK(must_refuse({"EXTERNAL"}, asked).message().find("--tls-cert") != std::string::npos);
}

TEST_CASE("XOAUTH2 and OAUTHBEARER are used only when asked for, and only inside TLS") {
    CHECK(must_refuse({"XOAUTH2", "OAUTHBEARER"}, with_tls()).is(Errc::auth_unavailable));
    CHECK(must_choose(everything, {{"OAUTHBEARER"}, true, false}) == "OAUTHBEARER");
    CHECK(must_choose(everything, {{"xoauth2"}, true, false}) == "XOAUTH2");
    auto error = must_refuse(everything, {{"XOAUTH2"}, false, false});
    CHECK(error.message().find("--allow-plaintext-auth") != std::string::npos);
    CHECK(must_choose(everything, {{"XOAUTH2"}, false, true}) == "XOAUTH2");
}

TEST_CASE("plus_variant names the -PLUS of SCRAM mechanisms only") {
    CHECK(plus_variant("SCRAM-SHA-256") == "SCRAM-SHA-256-PLUS");
    CHECK(plus_variant("scram-sha-1") == "SCRAM-SHA-1-PLUS");
    CHECK(plus_variant("SCRAM-SHA-1-PLUS").empty());
    CHECK(plus_variant("PLAIN").empty());
}

TEST_CASE("every supported name is recognised, whatever its case") {
    for (const auto& name : supported_mechanisms()) CHECK(is_supported(text::lower(name)));
    CHECK_FALSE(is_supported("SCRAM-SHA-512"));
}

TEST_CASE("after a stripped STARTTLS, CRAM-MD5 is used only when --auth names it") {
    Choice stripped = without_tls();
    stripped.tls_stripped = true;
    auto error = must_refuse(all_three, stripped);
    CHECK(error.is(Errc::auth_unavailable));
    CHECK(error.detail.find("CRAM-MD5 without TLS would give whoever removed STARTTLS") !=
          std::string::npos);
    CHECK(must_choose({"CRAM-MD5", "SCRAM-SHA-256"}, stripped) == "SCRAM-SHA-256");
    stripped.preference = {"cram-md5"};
    CHECK(must_choose(all_three, stripped) == "CRAM-MD5");
    // PLAIN and LOGIN still need --allow-plaintext-auth, named or not.
    stripped.preference = {"PLAIN", "LOGIN"};
    must_refuse(all_three, stripped);
    stripped.allow_plaintext = true;
    CHECK(must_choose(all_three, stripped) == "PLAIN");
}

TEST_CASE("--tls none (no STARTTLS wanted) keeps CRAM-MD5 in the default preference") {
    CHECK(must_choose(all_three, without_tls()) == "CRAM-MD5");
}

TEST_CASE("what a server said is printable ASCII and bounded") {
    CHECK(server_said(R"({"status":"invalid_token"})") == R"({"status":"invalid_token"})");
    CHECK(server_said(std::string("a\0b\x1b\x7f\xc3\xa9\n", 8)) == "a?b?????");
    CHECK(server_said(std::string(1000, 'x')).size() == max_server_said);
    CHECK(server_said("").empty());
}
