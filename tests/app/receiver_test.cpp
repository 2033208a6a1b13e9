#include "app/receiver.h"

#include <doctest/doctest.h>

#include <asio/ssl/context.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/asio_harness.h"
#include "support/line_peer.h"

using namespace odmr;
using namespace odmr::app;
namespace fs = std::filesystem;

namespace {

const Log quiet(0, nullptr);

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-receiver-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

Account account_delivering_to(const std::string& deliver) {
    Account account;
    auto spec = parse_delivery(deliver);
    REQUIRE(spec.ok());
    account.delivery = std::move(*spec);
    account.server.hostname = "customer.example";
    account.server.domains = {"example.org"};
    account.connect_timeout = std::chrono::seconds(5);
    return account;
}

// One reversed session from the provider's side of a loopback pair.
struct Session {
    std::vector<std::string> replies;
    std::optional<Result<Received>> received;
};

Session receive(Receiver& receiver, std::vector<std::string> steps) {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    auto pair = test::loopback_pair(io);
    net::Stream stream(std::move(pair.server), tls);
    net::Reader reader(stream);
    Session out;
    std::optional<std::vector<std::string>> replies;
    auto serve = [&]() -> asio::awaitable<Result<Received>> {
        smtp::SessionReport counts;
        auto received =
            co_await receiver.receive(reader, Deadline(std::chrono::hours(1)), counts, nullptr);
        stream.close();
        co_await receiver.close();
        co_return received;
    };
    test::spawn(io, test::client_script(pair.client, std::move(steps)), replies);
    test::spawn(io, serve(), out.received);
    test::run_all(io);
    out.replies = std::move(*replies);
    return out;
}

const std::vector<std::string> one_message = {
    "EHLO provider.example\r\n",          "MAIL FROM:<a@origin.test>\r\n",
    "RCPT TO:<b@example.org>\r\n",        "DATA\r\n",
    "Subject: hi\r\n\r\nHello.\r\n.\r\n", "QUIT\r\n"};

}  // namespace

TEST_CASE("a sink kind is served here: the message lands in the Maildir and is counted") {
    TempDir dir;
    auto account = account_delivering_to("maildir:" + (dir.path / "Maildir").string());
    auto receiver = Receiver::make(account, quiet);
    REQUIRE(receiver.ok());
    auto session = receive(*receiver, one_message);
    REQUIRE(session.received->ok());
    const Received& received = session.received->value();
    CHECK(received.report.delivered == 1);
    CHECK(received.counted);
    CHECK(session.replies[5].starts_with("250 2.0.0"));
    CHECK(std::distance(fs::directory_iterator(dir.path / "Maildir/new"),
                        fs::directory_iterator()) == 1);
}

TEST_CASE("handoff is bridged to the local MTA: with none there, the provider hears 421") {
    TempDir dir;
    auto account = account_delivering_to("handoff:unix:" + (dir.path / "mta.sock").string());
    auto receiver = Receiver::make(account, quiet);
    REQUIRE(receiver.ok());
    auto session = receive(*receiver, {});
    REQUIRE_FALSE(session.received->ok());
    CHECK(session.received->error().is(Errc::temporary));
    CHECK(session.replies.front().starts_with("421 4.3.0"));
}

TEST_CASE("the record of acknowledged messages is opened with the first session, not before") {
    TempDir dir;
    auto account = account_delivering_to("maildir:" + (dir.path / "Maildir").string());
    account.name = "example.org";
    const auto state = dir.path / "state";
    const auto record = state / "example.org.acknowledged";
    auto receiver = Receiver::make(account, quiet, state.string());
    REQUIRE(receiver.ok());
    CHECK_FALSE(fs::exists(state));  // a run the provider has no mail for stops here
    auto first = receive(*receiver, one_message);
    REQUIRE(first.received->ok());
    CHECK(fs::exists(record));
    auto second = receive(*receiver, {"EHLO provider.example\r\n", "QUIT\r\n"});
    REQUIRE(second.received->ok());
    CHECK(fs::exists(record));
}
