#include "odmr/customer.h"

#include <doctest/doctest.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl/context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/asio_harness.h"
#include "util/base64.h"
#include "util/secret.h"

using namespace odmr;
using ::odmr::atrn::Customer;
using ::odmr::atrn::CustomerConfig;
using ::odmr::atrn::Negotiation;
using ::odmr::atrn::Outcome;
using ::odmr::atrn::TlsMode;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
const Log quiet(0, nullptr);

// RFC 2195's example: user tim, password tanstaaftanstaaf.
const std::string challenge = "<1896.697170952@postoffice.reston.mci.net>";
const std::string good_answer = "tim b913a602c7eda7a495b4e6e7334d3890";

// A scripted provider: what it says to each line the customer sends. An
// empty answer hangs up.
struct Script {
    std::string greeting = "220 provider.test ESMTP ready\r\n";
    std::string ehlo = "250-provider.test Hello\r\n250-ATRN\r\n250 AUTH CRAM-MD5\r\n";
    std::string starttls = "454 TLS not available\r\n";
    std::string auth_success = "235 Authentication succeeded\r\n";
    std::string atrn = "250 ODMR provider turning line around\r\n";
    std::string scram_final;  // the SCRAM server's last message; empty: a bare 235 instead
};

// SCRAM as an impostor plays it: it cannot know the password, so its last
// message is either a made-up signature or a bare 235.
std::string scram_step(const Script& script, const std::string& line, int& step) {
    auto decoded = base64::decode(line).value_or("");
    if (step == 1) {  // the client's first message: "n,,n=tim,r=NONCE"
        step = 2;
        auto nonce = decoded.substr(decoded.find(",r=") + 3);
        return "334 " + base64::encode("r=" + nonce + "server,s=QSXCR+Q6sek8bf92,i=4096") + "\r\n";
    }
    step = 3;
    if (script.scram_final.empty()) return script.auth_success;
    return "334 " + base64::encode(script.scram_final) + "\r\n";
}

std::string answer(const Script& script, const std::string& line, bool& in_auth, int& scram) {
    if (scram == 3) {  // after our last SCRAM message: the customer must cancel
        scram = 0;
        return line == "*" ? "501 Authentication cancelled\r\n" : script.auth_success;
    }
    if (scram > 0) return scram_step(script, line, scram);
    if (line.starts_with("AUTH SCRAM-SHA-256")) {
        scram = 1;
        if (line.size() > 19) return scram_step(script, line.substr(19), scram);
        return "334 \r\n";
    }
    if (in_auth) {
        in_auth = false;
        auto decoded = base64::decode(line);
        if (!decoded || *decoded != good_answer) return "535 Incorrect authentication data\r\n";
        return script.auth_success;
    }
    if (line.starts_with("EHLO ")) return script.ehlo;
    if (line == "STARTTLS") return script.starttls;
    if (line == "AUTH CRAM-MD5") {
        in_auth = true;
        return "334 " + base64::encode(challenge) + "\r\n";
    }
    if (line.starts_with("AUTH ")) return "504 Unrecognized authentication type\r\n";
    if (line.starts_with("ATRN")) return script.atrn;
    if (line == "QUIT") return "221 bye\r\n";
    return "500 unrecognised command\r\n";
}

// Plays `script` on `socket`, recording each line received (without CRLF).
asio::awaitable<void> provide(asio::ip::tcp::socket& socket, Script script,
                              std::vector<std::string>& heard) {
    co_await asio::async_write(socket, asio::buffer(script.greeting), use_tuple);
    std::string buffer;
    bool in_auth = false;
    int scram = 0;
    for (;;) {
        auto [ec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n",
                                                       use_tuple);
        if (ec) break;
        std::string line = buffer.substr(0, n - 2);
        buffer.erase(0, n);
        heard.push_back(line);
        std::string reply = answer(script, line, in_auth, scram);
        if (reply.empty()) break;
        auto [write_ec, written] =
            co_await asio::async_write(socket, asio::buffer(reply), use_tuple);
        if (write_ec) break;
    }
    std::error_code ignored;
    socket.close(ignored);
}

asio::awaitable<Result<Negotiation>> negotiate(net::Stream& stream, const CustomerConfig& config) {
    net::Reader reader(stream);
    Customer customer(reader, config, quiet);
    auto result = co_await customer.negotiate();
    stream.close();
    co_return result;
}

struct Run {
    std::optional<Result<Negotiation>> result;
    std::vector<std::string> heard;  // lines the provider received

    const Negotiation& negotiation() const {
        REQUIRE_MESSAGE(result->ok(), result->error().message());
        return result->value();
    }
    const Error& error() const {
        REQUIRE_FALSE(result->ok());
        return result->error();
    }
    bool heard_line_starting(std::string_view prefix) const {
        for (const auto& line : heard)
            if (line.starts_with(prefix)) return true;
        return false;
    }
};

CustomerConfig config(const Secret& password) {
    CustomerConfig c;
    c.helo_name = "customer.example.org";
    c.server_name = "provider.test";
    c.tls = TlsMode::none;
    c.credentials = {"tim", &password};
    c.domains = {"d1", "d2"};
    c.command_timeout = std::chrono::seconds(5);
    c.atrn_timeout = std::chrono::seconds(5);
    return c;
}

Run negotiate_with(const Script& script, const CustomerConfig& config) {
    asio::io_context io;
    auto [client_socket, provider_socket] = test::loopback_pair(io);
    asio::ssl::context tls(asio::ssl::context::tls_client);  // no handshake happens
    net::Stream stream(std::move(client_socket), tls);
    Run run;
    test::spawn(io, negotiate(stream, config), run.result);
    test::spawn(io, provide(provider_socket, script, run.heard));
    test::run_all(io);
    REQUIRE(run.result.has_value());
    return run;
}

Run negotiate_with(const Script& script) {
    Secret password("tanstaaftanstaaf");
    return negotiate_with(script, config(password));
}

}  // namespace

TEST_CASE("250 to ATRN means mail follows") {
    auto run = negotiate_with(Script{});
    CHECK(run.negotiation().outcome == Outcome::mail_follows);
    CHECK(run.negotiation().atrn_reply.code == 250);
    CHECK(run.negotiation().capabilities.has("ATRN"));
}

TEST_CASE("the customer says EHLO, authenticates with CRAM-MD5, then asks ATRN d1,d2") {
    auto run = negotiate_with(Script{});
    REQUIRE(run.heard.size() == 4);
    CHECK(run.heard[0] == "EHLO customer.example.org");
    CHECK(run.heard[1] == "AUTH CRAM-MD5");
    CHECK(base64::decode(run.heard[2]) == good_answer);
    CHECK(run.heard[3] == "ATRN d1,d2");
}

TEST_CASE("without domains the customer sends a bare ATRN") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.domains.clear();
    auto run = negotiate_with(Script{}, c);
    REQUIRE_FALSE(run.heard.empty());
    CHECK(run.heard.back() == "ATRN");
}

TEST_CASE("453 to ATRN means no mail") {
    Script script;
    script.atrn = "453 You have no mail\r\n";
    auto run = negotiate_with(script);
    CHECK(run.negotiation().outcome == Outcome::no_mail);
    CHECK(run.negotiation().atrn_reply.code == 453);
}

TEST_CASE("451 to ATRN is a temporary failure") {
    Script script;
    script.atrn = "451 Try again later\r\n";
    CHECK(negotiate_with(script).error().is(Errc::temporary));
}

TEST_CASE("450 to ATRN is a temporary failure") {
    Script script;
    script.atrn = "450 ATRN request refused\r\n";
    CHECK(negotiate_with(script).error().is(Errc::temporary));
}

TEST_CASE("530 to ATRN means the credentials were not accepted") {
    Script script;
    script.atrn = "530 ATRN is not permitted without authentication\r\n";
    CHECK(negotiate_with(script).error().is(Errc::auth_rejected));
}

TEST_CASE("502 to ATRN is a permanent failure") {
    Script script;
    script.atrn = "502 Command not implemented\r\n";
    CHECK(negotiate_with(script).error().is(Errc::permanent));
}

TEST_CASE("535 to AUTH means the credentials were rejected") {
    Script script;
    script.auth_success = "535 Incorrect authentication data\r\n";
    auto run = negotiate_with(script);
    CHECK(run.error().is(Errc::auth_rejected));
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("a wrong password is rejected by the provider's check") {
    Secret wrong("not the password");
    auto run = negotiate_with(Script{}, config(wrong));
    CHECK(run.error().is(Errc::auth_rejected));
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("454 to AUTH is a temporary failure") {
    Script script;
    script.auth_success = "454 Temporary authentication failure\r\n";
    CHECK(negotiate_with(script).error().is(Errc::temporary));
}

TEST_CASE("a greeting other than 220 is refused") {
    Script script;
    script.greeting = "554 No service\r\n";
    auto run = negotiate_with(script);
    CHECK(run.error().is(Errc::permanent));
    CHECK(run.heard.empty());
}

TEST_CASE("a malformed greeting is a protocol error") {
    Script script;
    script.greeting = "hello there\r\n";
    CHECK(negotiate_with(script).error().is(Errc::protocol));
}

TEST_CASE("a provider without AUTH leaves no usable mechanism") {
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250 ATRN\r\n";
    auto run = negotiate_with(script);
    CHECK(run.error().is(Errc::auth_unavailable));
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("PLAIN only, without TLS, is refused before any AUTH is sent") {
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250 AUTH PLAIN LOGIN\r\n";
    auto run = negotiate_with(script);
    CHECK(run.error().is(Errc::auth_unavailable));
    CHECK_FALSE(run.heard_line_starting("AUTH"));
}

TEST_CASE("starttls mode without STARTTLS offered fails before AUTH") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls;
    auto run = negotiate_with(Script{}, c);
    CHECK(run.error().is(Errc::tls));
    CHECK_FALSE(run.heard_line_starting("AUTH"));
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("bytes after the STARTTLS reply in the same write are refused as injection") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls;
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250-STARTTLS\r\n250 AUTH CRAM-MD5\r\n";
    script.starttls = "220 Ready to start TLS\r\n250-injected\r\n250 AUTH PLAIN\r\n";
    auto run = negotiate_with(script, c);
    CHECK(run.error().is(Errc::protocol));
    CHECK_FALSE(run.heard_line_starting("AUTH"));
}

TEST_CASE("a refused STARTTLS is an error, not a fallback to plain text") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls;
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250-STARTTLS\r\n250 AUTH CRAM-MD5\r\n";
    auto run = negotiate_with(script, c);
    CHECK(run.error().is(Errc::temporary));
    CHECK_FALSE(run.heard_line_starting("AUTH"));
}

TEST_CASE("a provider that hangs up during the negotiation is connection_lost") {
    Script script;
    script.atrn = "";  // close instead of answering
    CHECK(negotiate_with(script).error().is(Errc::connection_lost));
}

namespace {

Script scram_script(std::string final_message) {
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250-ATRN\r\n250 AUTH SCRAM-SHA-256 CRAM-MD5\r\n";
    script.scram_final = std::move(final_message);
    return script;
}

}  // namespace

TEST_CASE("SCRAM is preferred to CRAM-MD5 and sends its first message with AUTH") {
    auto run = negotiate_with(scram_script("v=AAAA"));
    REQUIRE(run.heard.size() >= 2);
    REQUIRE(run.heard[1].starts_with("AUTH SCRAM-SHA-256 "));
    auto first = base64::decode(run.heard[1].substr(19));
    REQUIRE(first.has_value());
    CHECK(first->starts_with("n,,n=tim,r="));
}

TEST_CASE("a SCRAM provider with a wrong server signature is an impostor: no ATRN") {
    auto run = negotiate_with(scram_script("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    CHECK(run.error().is(Errc::protocol));
    CHECK(run.error().message().find("impostor") != std::string::npos);
    CHECK(run.heard.back() == "*");
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("a SCRAM provider that says 235 without proving itself gets no ATRN") {
    auto run = negotiate_with(scram_script(""));
    CHECK(run.error().is(Errc::protocol));
    CHECK(run.error().message().find("impostor") != std::string::npos);
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("starttls-optional without STARTTLS offered goes on in clear text") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls_optional;
    c.auth_preference = {"CRAM-MD5"};  // issue 12: only when named
    auto run = negotiate_with(Script{}, c);
    CHECK(run.negotiation().outcome == Outcome::mail_follows);
    CHECK_FALSE(run.heard_line_starting("STARTTLS"));
}

TEST_CASE("starttls-optional takes a refused STARTTLS as no TLS, PLAIN still withheld") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls_optional;
    c.auth_preference = {"PLAIN", "CRAM-MD5"};  // issue 12: CRAM-MD5 only when named
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250-STARTTLS\r\n250 AUTH PLAIN CRAM-MD5\r\n";
    auto run = negotiate_with(script, c);
    CHECK(run.negotiation().outcome == Outcome::mail_follows);
    CHECK(run.heard_line_starting("STARTTLS"));
    CHECK(run.heard_line_starting("AUTH CRAM-MD5"));
    CHECK_FALSE(run.heard_line_starting("AUTH PLAIN"));
}

TEST_CASE("after a stripped or refused STARTTLS, CRAM-MD5 is not used unless named") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls_optional;
    for (const char* ehlo : {"250-provider.test Hello\r\n250 AUTH PLAIN CRAM-MD5\r\n",
                             "250-provider.test Hello\r\n250-STARTTLS\r\n250 AUTH CRAM-MD5\r\n"}) {
        CAPTURE(ehlo);
        Script script;
        script.ehlo = ehlo;
        auto run = negotiate_with(script, c);
        CHECK(run.error().is(Errc::auth_unavailable));
        CHECK(run.error().message().find("removed STARTTLS") != std::string::npos);
        CHECK_FALSE(run.heard_line_starting("AUTH"));
        CHECK_FALSE(run.heard_line_starting("ATRN"));
    }
}

TEST_CASE("no wait of the negotiation goes past the run's deadline") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.deadline = Deadline(std::chrono::seconds(0));
    auto run = negotiate_with(Script{}, c);
    CHECK(run.error().is(Errc::timeout));
    CHECK_FALSE(run.heard_line_starting("ATRN"));
}

TEST_CASE("a provider offering only PLAIN to starttls-optional in clear text gets nothing") {
    Secret password("tanstaaftanstaaf");
    auto c = config(password);
    c.tls = TlsMode::starttls_optional;
    Script script;
    script.ehlo = "250-provider.test Hello\r\n250 AUTH PLAIN LOGIN\r\n";
    auto run = negotiate_with(script, c);
    CHECK(run.error().is(Errc::auth_unavailable));
    CHECK_FALSE(run.heard_line_starting("AUTH"));
}
