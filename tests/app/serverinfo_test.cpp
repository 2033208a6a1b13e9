#include "app/serverinfo.h"

#include <doctest/doctest.h>

#include <asio/ssl/context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/asio_harness.h"
#include "support/line_peer.h"

using namespace odmr;
using namespace odmr::app;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
const Log quiet(0, nullptr);

// A provider that greets with `greeting`, answers EHLO with `ehlo` (lines
// without CRLF), and QUIT with 221; it records the commands it hears.
struct Provider {
    std::string greeting = "220 odmr.test ESMTP";
    std::vector<std::string> ehlo;
    std::vector<std::string> heard;

    asio::awaitable<void> serve(tcp::acceptor& acceptor) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) co_return;
        std::string buffer;
        co_await test::send(socket, greeting + "\r\n");
        for (;;) {
            std::string line = co_await test::read_line(socket, buffer);
            if (line.empty()) co_return;
            heard.push_back(line.substr(0, line.find(' ')));
            if (line.starts_with("EHLO")) {
                std::string reply;
                for (std::size_t i = 0; i < ehlo.size(); ++i)
                    reply += ehlo[i].substr(0, 3) + (i + 1 < ehlo.size() ? "-" : " ") +
                             ehlo[i].substr(4) + "\r\n";
                co_await test::send(socket, reply);
            } else {
                co_await test::send(socket, "221 bye\r\n");
                co_return;
            }
        }
    }
};

Result<std::string> ask(Provider& provider) {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tcp::acceptor acceptor(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
    Account account;
    account.serverinfo = true;
    account.route.provider = {"127.0.0.1", acceptor.local_endpoint().port()};
    account.connect_timeout = std::chrono::seconds(5);
    account.customer.tls = atrn::TlsMode::none;
    account.customer.helo_name = "customer.example";
    account.customer.command_timeout = std::chrono::seconds(5);
    std::optional<Result<std::string>> report;
    test::spawn(io, provider.serve(acceptor));
    test::spawn(io, serverinfo(account, tls, quiet), report);
    test::run_all(io);
    return std::move(*report);
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the report shows the greeting, the offer and the mechanism that would be used") {
    Provider provider;
    provider.ehlo = {"250 odmr.test", "250 ATRN", "250 AUTH SCRAM-SHA-256 PLAIN",
                     "250 SIZE 10485760"};
    auto report = ask(provider);
    REQUIRE(report.ok());
    CHECK(has(*report, "Provider: 127.0.0.1 port "));
    CHECK(has(*report, "Greeting: 220 odmr.test ESMTP"));
    CHECK(has(*report, "TLS:      none"));
    CHECK(has(*report, "    ATRN:  yes\n"));
    CHECK(has(*report, "    AUTH:  SCRAM-SHA-256 PLAIN\n"));
    // Without TLS, PLAIN would reveal the password: SCRAM it is.
    CHECK(has(*report, "would authenticate with: SCRAM-SHA-256\n"));
    CHECK(provider.heard == std::vector<std::string>{"EHLO", "QUIT\r\n"});
}

TEST_CASE("a provider without ATRN or AUTH is described as such, and never authenticated to") {
    Provider provider;
    provider.ehlo = {"250 odmr.test"};
    auto report = ask(provider);
    REQUIRE(report.ok());
    CHECK(has(*report, "ATRN:  not announced"));
    CHECK(has(*report, "AUTH:  not announced"));
    CHECK(has(*report, "would authenticate with: nothing usable"));
    CHECK(provider.heard == std::vector<std::string>{"EHLO", "QUIT\r\n"});
}

TEST_CASE("a provider that refuses the session is an error with its reply") {
    Provider provider;
    provider.greeting = "554 5.3.2 go away";
    auto report = ask(provider);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().is(Errc::permanent));
    CHECK(has(report.error().detail, "554"));
}
