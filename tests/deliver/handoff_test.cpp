#include "deliver/handoff.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>
#include <asio/use_awaitable.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/asio_harness.h"
#include "support/line_peer.h"

using namespace odmr;
using namespace odmr::deliver;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
const Log quiet(0, nullptr);

// A local MTA: greets, says 250 to every command, 354 to DATA and
// `end_of_data` to the end of the body, 221 to QUIT. `starttls` is its
// answer to STARTTLS.
struct Mta {
    std::string end_of_data = "250 2.0.0 queued";
    std::string starttls = "454 4.7.0 not now";
    bool greet_only = false;  // greets, then says nothing more
    std::vector<std::string> heard;

    asio::awaitable<void> serve(tcp::acceptor& acceptor) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) co_return;
        std::string buffer;
        co_await test::send(socket, "220 mta ESMTP\r\n");
        for (;;) {
            std::string line = co_await test::read_line(socket, buffer);
            if (line.empty()) co_return;
            heard.push_back(line);
            if (greet_only) continue;
            if (line.starts_with("DATA")) {
                co_await test::send(socket, "354 go ahead\r\n");
                while (line != ".\r\n" && !line.empty())
                    line = co_await test::read_line(socket, buffer);
                co_await test::send(socket, end_of_data + "\r\n");
            } else if (line.starts_with("STARTTLS")) {
                co_await test::send(socket, starttls + "\r\n");
            } else if (line.starts_with("QUIT")) {
                co_await test::send(socket, "221 bye\r\n");
                co_return;
            } else {
                co_await test::send(socket, "250 ok\r\n");
            }
        }
    }
};

// Runs the handoff as fetch does: the provider's line is closed after it.
asio::awaitable<Result<smtp::SessionReport>> hand_off(Handoff& handoff, net::Stream& stream) {
    auto report = co_await handoff.run();
    stream.close();
    co_return report;
}

const std::vector<std::string> one_message = {
    "EHLO provider.example\r\n",          "MAIL FROM:<a@origin.test>\r\n",
    "RCPT TO:<b@example.org>\r\n",        "DATA\r\n",
    "Subject: hi\r\n\r\nHello.\r\n.\r\n", "QUIT\r\n"};

// One bridged session: the provider on one end of a loopback pair, the
// handoff on the other, the MTA listening on 127.0.0.1.
struct Session {
    std::vector<std::string> replies;  // what the provider heard
    std::optional<Result<smtp::SessionReport>> report;
    bool followed = true;
};

const HandoffRecipients example_org{{"example.org"}, true};

Session bridge(Mta& mta, std::vector<std::string> steps, HandoffLimits limits = {}) {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tcp::acceptor acceptor(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
    HandoffTarget target;
    target.endpoint.tcp = {"127.0.0.1", acceptor.local_endpoint().port()};
    auto pair = test::loopback_pair(io);
    net::Stream stream(std::move(pair.server), tls);
    net::Reader reader(stream);
    Handoff handoff(reader, target, limits, example_org, quiet);
    Session out;
    std::optional<std::vector<std::string>> replies;
    test::spawn(io, mta.serve(acceptor));
    test::spawn(io, test::client_script(pair.client, std::move(steps)), replies);
    test::spawn(io, hand_off(handoff, stream), out.report);
    test::run_all(io);
    out.replies = std::move(*replies);
    out.followed = handoff.followed();
    return out;
}

}  // namespace

TEST_CASE("the local MTA's replies are the provider's answers, and its 250 counts a message") {
    Mta mta;
    auto session = bridge(mta, one_message);
    REQUIRE(session.report->ok());
    CHECK(session.replies ==
          std::vector<std::string>{"220 mta ESMTP\r\n", "250 ok\r\n", "250 ok\r\n", "250 ok\r\n",
                                   "354 go ahead\r\n", "250 2.0.0 queued\r\n", "221 bye\r\n"});
    CHECK(mta.heard.front() == "EHLO provider.example\r\n");
    CHECK((*session.report)->delivered == 1);
    CHECK((*session.report)->refused == 0);
    CHECK((*session.report)->commands == 5);
    CHECK(session.followed);
}

TEST_CASE("a message the MTA refuses after the data is counted as refused by the local side") {
    Mta mta;
    mta.end_of_data = "451 4.3.0 try later";
    auto session = bridge(mta, one_message);
    REQUIRE(session.report->ok());
    CHECK(session.replies[5] == "451 4.3.0 try later\r\n");
    CHECK((*session.report)->delivered == 0);
    CHECK((*session.report)->refused == 1);
    CHECK((*session.report)->failed == 1);
}

// TLS between the provider and the MTA could not be followed, and every
// RCPT inside it would pass unchecked (issue 12, item 3): the bridge
// answers STARTTLS itself, and the MTA never hears it.
TEST_CASE("STARTTLS is refused by the bridge, so the session stays followed") {
    Mta mta;
    mta.starttls = "220 2.0.0 ready";
    auto session = bridge(mta, {"EHLO provider.example\r\n", "STARTTLS\r\n", "QUIT\r\n"});
    REQUIRE(session.report->ok());
    CHECK(session.replies[2] == "454 4.7.0 TLS not available: the session is bridged\r\n");
    CHECK(mta.heard[1] == "NOOP\r\n");
    CHECK((*session.report)->delivered == 0);
    CHECK(session.followed);
}

TEST_CASE("a recipient outside the domains is refused by the bridge and never reaches the MTA") {
    Mta mta;
    auto session = bridge(
        mta, {"EHLO provider.example\r\n", "MAIL FROM:<a@origin.test>\r\n",
              "RCPT TO:<victim@victim.test>\r\n", "RCPT TO:<b@example.org>\r\n",
              "RCPT TO:<v%victim.test@example.org>\r\n", "RCPT TO:<@relay.test:c@example.org>\r\n",
              "DATA\r\n", "Subject: hi\r\n\r\nRCPT TO:<x@victim.test>\r\n.\r\n", "QUIT\r\n"});
    REQUIRE(session.report->ok());
    REQUIRE(session.replies.size() == 10);
    CHECK(session.replies[3] == "550 5.7.1 Relaying denied: not a domain of this customer\r\n");
    CHECK(session.replies[4] == "250 ok\r\n");
    CHECK(session.replies[5].starts_with("550 5.7.1 Relaying denied: routing address"));
    CHECK(session.replies[6] == "550 5.7.1 Relaying denied: source route\r\n");
    CHECK(session.replies[7] == "354 go ahead\r\n");
    CHECK(session.replies[8] == "250 2.0.0 queued\r\n");
    // The body's line that looks like an RCPT is data: not refused, not counted.
    CHECK((*session.report)->commands == 8);  // EHLO, MAIL, 4 RCPT, DATA, QUIT
    CHECK(std::count(mta.heard.begin(), mta.heard.end(), "NOOP\r\n") == 3);
    CHECK(std::count(mta.heard.begin(), mta.heard.end(), "RCPT TO:<victim@victim.test>\r\n") == 0);
    CHECK((*session.report)->delivered == 1);
    CHECK(session.followed);
}

TEST_CASE("an RCPT the bridge cannot parse is refused, not passed on") {
    Mta mta;
    auto session = bridge(mta, {"EHLO provider.example\r\n", "MAIL FROM:<a@origin.test>\r\n",
                                "RCPT TO: victim@victim.test\r\n", "QUIT\r\n"});
    REQUIRE(session.report->ok());
    CHECK(session.replies[3] == "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
    for (const auto& line : mta.heard) CHECK(line.find("victim") == std::string::npos);
}

TEST_CASE("a session that goes quiet is hung up after the idle limit, as a timeout") {
    Mta mta;
    mta.greet_only = true;
    HandoffLimits limits;
    limits.idle = std::chrono::milliseconds(200);
    auto session = bridge(mta, {"EHLO provider.example\r\n"}, limits);
    REQUIRE_FALSE(session.report->ok());
    CHECK(session.report->error().is(Errc::timeout));
}

TEST_CASE("with no MTA to hand to, the provider is told 421 and the error is temporary") {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    HandoffTarget target;
    target.endpoint.unix_path =
        (std::filesystem::temp_directory_path() / "odmr-handoff-test-nothing.sock").string();
    auto pair = test::loopback_pair(io);
    net::Stream stream(std::move(pair.server), tls);
    net::Reader reader(stream);
    Handoff handoff(reader, target, {}, example_org, quiet);
    std::optional<Result<smtp::SessionReport>> report;
    std::optional<std::vector<std::string>> heard;
    test::spawn(io, hand_off(handoff, stream), report);
    test::spawn(io, test::client_script(pair.client, {}), heard);
    test::run_all(io);
    REQUIRE_FALSE(report->ok());
    CHECK(report->error().is(Errc::temporary));
    CHECK(report->error().detail.find(target.describe()) != std::string::npos);
    CHECK(heard->front().starts_with("421 4.3.0"));
}

TEST_CASE("a target is described by its endpoint, or by its program's name") {
    HandoffTarget socket;
    socket.endpoint.unix_path = "/run/mta.sock";
    CHECK(socket.describe() == "unix:/run/mta.sock");
    HandoffTarget program;
    program.argv = {"/usr/sbin/exim4", "-bs"};
    CHECK(program.describe() == "\"/usr/sbin/exim4\"");
}
