#include "smtp/server.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/asio_harness.h"

// Not `using namespace odmr`: its namespace mail would clash with the
// MAIL command below.
using namespace odmr::smtp;
using odmr::Errc;
using odmr::Log;
using odmr::make_error;
using odmr::Result;
using odmr::Status;
namespace net = odmr::net;
namespace test = odmr::test;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
const Log quiet(0, nullptr);

// A Sink that keeps everything in memory and fails on request.
class RecordingSink final : public odmr::mail::Sink {
  public:
    bool fail_begin = false;
    bool fail_write = false;
    std::optional<Errc> fail_commit;
    bool per_recipient = false;
    bool batching = false;  // group commit: commit() stages, sync() makes durable
    std::optional<Errc> fail_sync;

    std::vector<odmr::mail::Envelope> begun;
    std::vector<std::string>
        delivered;  // bodies of committed (and, when batching, synced) messages
    std::vector<std::string> staged;
    int aborts = 0;
    int syncs = 0;
    int withdrawals = 0;

    asio::awaitable<Status> begin(const odmr::mail::Envelope& envelope) override {
        if (fail_begin) co_return make_error(Errc::storage, "begin refused by the test");
        begun.push_back(envelope);
        current_.clear();
        co_return Status{};
    }
    asio::awaitable<Status> write(std::span<const char> bytes) override {
        if (fail_write) co_return make_error(Errc::storage, "write refused by the test");
        current_.append(bytes.data(), bytes.size());
        co_return Status{};
    }
    asio::awaitable<Status> commit() override {
        if (fail_commit) co_return make_error(*fail_commit, "commit refused by the test");
        (batching ? staged : delivered).push_back(std::move(current_));
        current_.clear();
        co_return Status{};
    }
    void abort() override {
        ++aborts;
        current_.clear();
    }
    bool per_recipient_outcomes() const override { return per_recipient; }
    bool batches() const override { return batching; }
    asio::awaitable<Status> sync() override {
        ++syncs;
        if (fail_sync) {
            staged.clear();
            co_return make_error(*fail_sync, "sync refused by the test");
        }
        for (auto& body : staged) delivered.push_back(std::move(body));
        staged.clear();
        co_return Status{};
    }
    void withdraw() override {
        withdrawals += static_cast<int>(staged.size());
        staged.clear();
    }

  private:
    std::string current_;
};

ServerConfig config() {
    ServerConfig c;
    c.hostname = "customer.example.org";
    c.domains = {"example.org", "example.com"};
    c.max_message_size = 1000;
    c.command_timeout = std::chrono::seconds(5);
    c.data_timeout = std::chrono::seconds(5);
    return c;
}

// What the provider does once it has written its input.
enum class Then { half_close, keep_open };

struct Session {
    std::optional<Result<SessionReport>> result;
    std::string received;  // every byte the server sent

    const Result<SessionReport>& outcome() const { return *result; }
    const SessionReport& report() const {
        REQUIRE_MESSAGE(result->ok(), result->error().message());
        return result->value();
    }
    // Every reply line, without CRLF.
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::size_t start = 0;
        for (auto end = received.find("\r\n"); end != std::string::npos;
             start = end + 2, end = received.find("\r\n", start))
            out.push_back(received.substr(start, end - start));
        return out;
    }
    // The code of each complete reply (its last line), in order.
    std::vector<int> codes() const {
        std::vector<int> out;
        for (const auto& line : lines())
            if (line.size() < 4 || line[3] == ' ') out.push_back(std::stoi(line.substr(0, 3)));
        return out;
    }
    bool has_line_starting(std::string_view prefix) const {
        for (const auto& line : lines())
            if (line.starts_with(prefix)) return true;
        return false;
    }
};

asio::awaitable<Result<SessionReport>> serve(net::Stream& stream, odmr::mail::Sink& sink,
                                             const ServerConfig& config) {
    net::Reader reader(stream);
    Server server(reader, sink, config, quiet);
    auto result = co_await server.run();
    stream.close();
    co_return result;
}

// The provider's side: writes `input` at once, then reads to the end.
asio::awaitable<void> provide(asio::ip::tcp::socket& socket, std::string input, Then then,
                              std::string& received) {
    if (!input.empty()) co_await asio::async_write(socket, asio::buffer(input), use_tuple);
    std::error_code ignored;
    if (then == Then::half_close) socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> buffer{};
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) break;
        received.append(buffer.data(), n);
    }
}

Session converse(std::string input, RecordingSink& sink, const ServerConfig& config,
                 Then then = Then::half_close) {
    asio::io_context io;
    auto [client, server_socket] = test::loopback_pair(io);
    asio::ssl::context tls(asio::ssl::context::tls_server);  // never used: plain text
    net::Stream stream(std::move(server_socket), tls);
    Session session;
    test::spawn(io, serve(stream, sink, config), session.result);
    test::spawn(io, provide(client, std::move(input), then, session.received));
    test::run_all(io);
    REQUIRE(session.result.has_value());
    return session;
}

Session converse(std::string input, const ServerConfig& c = config()) {
    RecordingSink sink;
    return converse(std::move(input), sink, c);
}

const std::string ehlo = "EHLO provider.test\r\n";
const std::string mail = "MAIL FROM:<sender@origin.test>\r\n";
const std::string rcpt = "RCPT TO:<alice@example.org>\r\n";
const std::string quit = "QUIT\r\n";

using Codes = std::vector<int>;

}  // namespace

TEST_CASE("the session opens with a 220 greeting naming us") {
    auto session = converse(quit);
    REQUIRE_FALSE(session.lines().empty());
    CHECK(session.lines()[0] == "220 customer.example.org ESMTP odmr-fetch ready");
}

TEST_CASE("EHLO advertises its extensions but never STARTTLS or AUTH") {
    auto session = converse(ehlo + quit);
    auto lines = session.lines();
    REQUIRE(lines.size() >= 3);
    CHECK(lines[1] == "250-customer.example.org Hello provider.test");
    CHECK(session.has_line_starting("250-PIPELINING"));
    CHECK(session.has_line_starting("250-SIZE 1000"));
    CHECK(session.has_line_starting("250-8BITMIME"));
    CHECK(session.has_line_starting("250-CHUNKING"));
    CHECK(session.has_line_starting("250-SMTPUTF8"));
    CHECK(session.has_line_starting("250-DSN"));
    for (const auto& line : session.lines()) {
        CAPTURE(line);
        CHECK(line.find("STARTTLS") == std::string::npos);
        CHECK(line.find("AUTH") == std::string::npos);
    }
    CHECK(session.codes() == Codes{220, 250, 221});
}

TEST_CASE("QUIT gets 221 and the report says so") {
    auto session = converse(ehlo + quit);
    CHECK(session.lines().back() == "221 2.0.0 customer.example.org closing connection");
    CHECK(session.report().quit);
    CHECK(session.report().commands == 2);
}

TEST_CASE("commands after QUIT are not answered") {
    auto session = converse(quit + "NOOP\r\n");
    CHECK(session.codes() == Codes{220, 221});
}

TEST_CASE("MAIL before EHLO is 503") {
    auto session = converse(mail + quit);
    CHECK(session.codes() == Codes{220, 503, 221});
    CHECK(session.has_line_starting("503 5.5.1"));
}

TEST_CASE("RCPT before MAIL is 503") {
    auto session = converse(ehlo + rcpt + quit);
    CHECK(session.codes() == Codes{220, 250, 503, 221});
}

TEST_CASE("DATA without MAIL is 503") {
    auto session = converse(ehlo + "DATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 503, 221});
}

TEST_CASE("DATA after MAIL but before any accepted RCPT is 554") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + "DATA\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 554, 221});
    CHECK(sink.begun.empty());
}

TEST_CASE("a nested MAIL is 503") {
    auto session = converse(ehlo + mail + mail + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 503, 221});
}

TEST_CASE("a recipient outside the requested domains is refused with 550 5.7.1") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + "RCPT TO:<bob@elsewhere.test>\r\n" + "DATA\r\n" + quit,
                            sink, config());
    CHECK(session.has_line_starting("550 5.7.1"));
    CHECK(session.codes() == Codes{220, 250, 250, 550, 554, 221});
    CHECK(sink.begun.empty());
}

TEST_CASE("a subdomain of a requested domain is not accepted") {
    auto session = converse(ehlo + mail + "RCPT TO:<bob@sub.example.org>\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 550, 221});
}

TEST_CASE("recipient domains match case-insensitively") {
    auto session = converse(ehlo + mail + "RCPT TO:<Bob@EXAMPLE.Com>\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 221});
}

TEST_CASE("a good transaction gets 354 then 250 and the sink gets the unstuffed body") {
    RecordingSink sink;
    auto session = converse(
        ehlo + mail + rcpt + "DATA\r\n" + "Subject: hi\r\n\r\n..dot\r\nbody\r\n.\r\n" + quit, sink,
        config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "Subject: hi\r\n\r\n.dot\r\nbody\r\n");
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].sender == "sender@origin.test");
    CHECK(sink.begun[0].recipients == std::vector<std::string>{"alice@example.org"});
    CHECK(session.has_line_starting("250 2.0.0 OK delivered as " + sink.begun[0].id));
    CHECK(session.report().delivered == 1);
    CHECK(session.report().rejected == 0);
    CHECK(session.report().commands == 5);
}

TEST_CASE("the envelope carries a Received header for the one recipient") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nx\r\n.\r\n" + quit, sink, config());
    REQUIRE(sink.begun.size() == 1);
    const auto& received = sink.begun[0].received;
    CHECK(received.starts_with("Received: from provider.test ([127.0.0.1])\r\n"));
    CHECK(received.find("\tby customer.example.org (odmr-fetch) with ESMTP\r\n") !=
          std::string::npos);
    CHECK(received.find("\tid " + sink.begun[0].id) != std::string::npos);
    CHECK(received.find("\tfor <alice@example.org>;") != std::string::npos);
    CHECK(received.ends_with("\r\n"));
}

TEST_CASE("the null reverse-path is accepted and passed on empty") {
    RecordingSink sink;
    auto session = converse(ehlo + "MAIL FROM:<>\r\n" + rcpt + "DATA\r\nbounce\r\n.\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].sender.empty());
}

TEST_CASE("several recipients go into one envelope, duplicates once") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "RCPT TO:<bob@example.com>\r\n" +
                                "RCPT TO:<ALICE@example.org>\r\n" + "DATA\r\nx\r\n.\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].recipients ==
          std::vector<std::string>{"alice@example.org", "bob@example.com"});
}

TEST_CASE("a failed commit gets 451 and nothing counts as delivered") {
    RecordingSink sink;
    sink.fail_commit = Errc::storage;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 451, 221});
    CHECK(session.has_line_starting("451 4.3.0"));
    CHECK(session.report().delivered == 0);
    CHECK(session.report().rejected == 1);
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a permanently failed commit gets 554") {
    RecordingSink sink;
    sink.fail_commit = Errc::permanent;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 554, 221});
    CHECK(session.has_line_starting("554 5.3.0"));
    CHECK(session.report().delivered == 0);
}

TEST_CASE("a failed write gets 451 after the body") {
    RecordingSink sink;
    sink.fail_write = true;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 451, 221});
    CHECK(session.report().delivered == 0);
    CHECK(sink.delivered.empty());
}

TEST_CASE("a sink that cannot begin gets 451 instead of 354") {
    RecordingSink sink;
    sink.fail_begin = true;
    auto session = converse(ehlo + mail + rcpt + "DATA\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 451, 221});
    CHECK(session.has_line_starting("451 4.3.0"));
}

TEST_CASE("after DATA could not begin, a new MAIL is accepted") {
    RecordingSink sink;
    sink.fail_begin = true;
    std::string first = ehlo + mail + rcpt + "DATA\r\n";
    auto session = converse(first + mail + rcpt + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 451, 250, 250, 221});
}

TEST_CASE("a declared SIZE over the limit is refused with 552") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=1001\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 552, 221});
    CHECK(session.has_line_starting("552 5.3.4"));
}

TEST_CASE("a declared SIZE within the limit and BODY=8BITMIME are accepted") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=1000 BODY=8BITMIME\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 221});
}

TEST_CASE("a malformed SIZE is a syntax error") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> SIZE=12k\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 501, 221});
}

TEST_CASE("MAIL with an unknown parameter gets 555") {
    auto session = converse(ehlo + "MAIL FROM:<a@origin.test> XFOO=1\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 555, 221});
}

TEST_CASE("ESMTP parameters are refused after HELO") {
    auto session = converse("HELO provider.test\r\nMAIL FROM:<a@origin.test> SIZE=10\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 555, 221});
}

TEST_CASE("a body over the size limit is refused with 552 and not delivered") {
    RecordingSink sink;
    std::string body;
    for (int i = 0; i < 30; ++i) body += std::string(48, 'x') + "\r\n";  // 1500 octets
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\n" + body + ".\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 552, 221});
    CHECK(session.has_line_starting("552 5.3.4"));
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
    CHECK(session.report().delivered == 0);
    CHECK(session.report().rejected == 1);
}

TEST_CASE("a body exactly at the size limit is accepted") {
    RecordingSink sink;
    std::string body;
    for (int i = 0; i < 20; ++i) body += std::string(48, 'x') + "\r\n";  // 1000 octets
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\n" + body + ".\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == body);
}

TEST_CASE("an unknown command is 500") {
    auto session = converse(ehlo + "XYZZY\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 500, 221});
    CHECK(session.has_line_starting("500 5.5.2"));
}

TEST_CASE("commands we do not offer are 502") {
    auto session = converse(ehlo + "STARTTLS\r\nAUTH PLAIN\r\nEXPN x\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 502, 502, 502, 221});
}

TEST_CASE("NOOP, RSET, VRFY and HELP are answered") {
    auto session = converse(ehlo + "NOOP\r\nRSET\r\nVRFY alice\r\nHELP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 252, 214, 221});
}

TEST_CASE("RSET forgets the transaction") {
    auto session = converse(ehlo + mail + rcpt + "RSET\r\nDATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 503, 221});
}

TEST_CASE("EHLO without a domain is 501") {
    auto session = converse("EHLO\r\n" + quit);
    CHECK(session.codes() == Codes{220, 501, 221});
}

TEST_CASE("a command line over the length limit is 500 and the session goes on") {
    auto session = converse(ehlo + "NOOP " + std::string(1500, 'a') + "\r\n" + "NOOP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 500, 250, 221});
    CHECK(session.has_line_starting("500 5.5.2 Line too long"));
}

TEST_CASE("too many erroneous commands get 421 and end the session") {
    auto c = config();
    c.max_errors = 3;
    auto session = converse("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n", c);
    CHECK(session.codes() == Codes{220, 500, 500, 500, 421});
    CHECK(session.has_line_starting("421 4.7.0"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("pipelined MAIL, RCPT and DATA get their replies in order") {
    RecordingSink sink;
    auto session = converse(
        ehlo + mail + rcpt + "RCPT TO:<nobody@elsewhere.test>\r\nDATA\r\n" + "body\r\n.\r\n" + quit,
        sink, config());
    auto lines = session.lines();
    REQUIRE(lines.size() >= 6);
    auto last = lines.end() - 6;  // one line per command after EHLO
    CHECK(last[0].starts_with("250 2.1.0"));
    CHECK(last[1].starts_with("250 2.1.5"));
    CHECK(last[2].starts_with("550 5.7.1"));
    CHECK(last[3].starts_with("354 "));
    CHECK(last[4].starts_with("250 2.0.0"));
    CHECK(last[5].starts_with("221 "));
    CHECK(sink.delivered == std::vector<std::string>{"body\r\n"});
}

TEST_CASE("several messages and QUIT pipelined in one write are all delivered") {
    RecordingSink sink;
    std::string message = mail + rcpt + "DATA\r\n";
    auto session =
        converse(ehlo + message + "one\r\n.\r\n" + message + "two\r\n.\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 250, 250, 354, 250, 221});
    CHECK(sink.delivered == std::vector<std::string>{"one\r\n", "two\r\n"});
    CHECK(session.report().delivered == 2);
    CHECK(session.report().quit);
}

TEST_CASE("a connection closed before any command is not an error") {
    auto session = converse("");
    CHECK(session.codes() == Codes{220});
    CHECK(session.report().commands == 0);
    CHECK(session.report().delivered == 0);
    CHECK_FALSE(session.report().quit);
}

TEST_CASE("a connection closed between commands ends the session without error") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt, sink, config());
    CHECK(session.report().commands == 3);
    CHECK(session.report().delivered == 0);
    CHECK(sink.begun.empty());
}

TEST_CASE("a connection closed in the middle of DATA is an error and the sink is aborted") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "DATA\r\nSubject: cut\r\n\r\npartial", sink, config());
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::connection_lost));
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
    CHECK_FALSE(session.has_line_starting("250 2.0.0"));
}

TEST_CASE("a per-recipient sink takes one recipient per transaction") {
    RecordingSink sink;
    sink.per_recipient = true;
    auto session =
        converse(ehlo + mail + rcpt + "RCPT TO:<bob@example.org>\r\n" + "DATA\r\nx\r\n.\r\n" + quit,
                 sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 452, 354, 250, 221});
    CHECK(session.has_line_starting("452 4.5.3"));
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].recipients == std::vector<std::string>{"alice@example.org"});
}

TEST_CASE("recipients beyond max_recipients get 452") {
    auto c = config();
    c.max_recipients = 2;
    auto session = converse(ehlo + mail + "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n" +
                                "RCPT TO:<c@example.org>\r\n" + quit,
                            c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 452, 221});
}

TEST_CASE("a provider that stops sending commands gets 421 4.4.2 after the command timeout") {
    RecordingSink sink;
    auto c = config();
    c.command_timeout = std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    auto session = converse(ehlo, sink, c, Then::keep_open);
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(session.codes() == Codes{220, 250, 421});
    CHECK(session.has_line_starting("421 4.4.2"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::timeout));
    CHECK(elapsed >= std::chrono::milliseconds(200));
    CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("a dot after a bare LF does not end the data, so no command is smuggled") {
    RecordingSink sink;
    std::string smuggled = "MAIL FROM:<evil@origin.test>\r\nRCPT TO:<bob@example.org>\r\n";
    auto session = converse(ehlo + mail + rcpt + "DATA\r\nbody\n.\r\n" + smuggled + ".\r\n" + quit,
                            sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "body\r\n.\r\n" + smuggled);
    CHECK(sink.begun.size() == 1);
}

TEST_CASE("a message line over max_body_line is refused with 552") {
    RecordingSink sink;
    auto c = config();
    c.max_body_line = 100;
    auto session = converse(
        ehlo + mail + rcpt + "DATA\r\n" + std::string(101, 'x') + "\r\n.\r\n" + quit, sink, c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 354, 552, 221});
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a provider that stalls in the middle of DATA gets 421 4.4.2 and the sink is aborted") {
    RecordingSink sink;
    auto c = config();
    c.data_timeout = std::chrono::milliseconds(200);
    auto session = converse(ehlo + mail + rcpt + "DATA\r\npartial\r\n", sink, c, Then::keep_open);
    CHECK(session.has_line_starting("421 4.4.2"));
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::timeout));
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("the session time limit ends even a busy session with 421") {
    auto c = config();
    c.session_timeout = std::chrono::milliseconds(200);
    RecordingSink sink;
    auto session = converse(ehlo, sink, c, Then::keep_open);
    CHECK(session.codes() == Codes{220, 250, 421});
    CHECK(session.has_line_starting("421 4.4.2 customer.example.org Session time limit reached"));
}

TEST_CASE("more commands than max_commands end the session with 421") {
    auto c = config();
    c.max_commands = 3;
    auto session = converse(ehlo + "NOOP\r\nNOOP\r\nNOOP\r\n" + quit, c);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 421});
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("BDAT LAST delivers one chunk as the whole message") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 13 LAST\r\nline\r\n.dots\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 221});
    REQUIRE(sink.delivered.size() == 1);
    CHECK(sink.delivered[0] == "line\r\n.dots\r\n");  // BDAT data is never unstuffed
    CHECK(session.report().delivered == 1);
}

TEST_CASE("BDAT chunks are joined and each gets its own reply") {
    RecordingSink sink;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 3\r\nabcBDAT 2 LAST\r\nde" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 221});
    CHECK(session.has_line_starting("250 2.0.0 3 octets received"));
    CHECK(sink.delivered == std::vector<std::string>{"abcde"});
}

TEST_CASE("BDAT without a transaction is refused and its chunk is not read as commands") {
    RecordingSink sink;
    auto session = converse(ehlo + "BDAT 6\r\nQUIT\r\nNOOP\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 503, 250, 221});
    CHECK(session.report().quit);
    CHECK(sink.begun.empty());
}

TEST_CASE("BDAT with no accepted recipient is 554 after its chunk") {
    auto session = converse(ehlo + mail + "BDAT 4 LAST\r\nabcd" + "NOOP\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 554, 250, 221});
}

TEST_CASE("a malformed BDAT ends the session, since the chunk cannot be found") {
    auto session = converse(ehlo + mail + rcpt + "BDAT lots\r\nxyz\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 501, 421});
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::protocol));
}

TEST_CASE("a BDAT message over the size limit is refused with 552") {
    RecordingSink sink;
    std::string chunk(1001, 'x');
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 1001 LAST\r\n" + chunk + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 552, 221});
    CHECK(sink.delivered.empty());
    CHECK(sink.aborts >= 1);
}

TEST_CASE("a connection closed in the middle of a BDAT chunk is an error and the sink is aborted") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 100 LAST\r\nonly some", sink, config());
    REQUIRE_FALSE(session.outcome().ok());
    CHECK(session.outcome().error().is(Errc::connection_lost));
    CHECK(sink.aborts >= 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("DATA after BODY=BINARYMIME is refused: that body needs BDAT") {
    auto session =
        converse(ehlo + "MAIL FROM:<a@origin.test> BODY=BINARYMIME\r\n" + rcpt + "DATA\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 503, 221});
}

TEST_CASE("a non-ASCII address needs SMTPUTF8") {
    auto without = converse(ehlo + "MAIL FROM:<j\xc3\xb6rg@origin.test>\r\n" + quit);
    CHECK(without.codes() == Codes{220, 250, 553, 221});
    CHECK(without.has_line_starting("553 5.6.7"));

    auto with = converse(ehlo + "MAIL FROM:<j\xc3\xb6rg@origin.test> SMTPUTF8\r\n" +
                         "RCPT TO:<m\xc3\xbcller@example.org>\r\n" + quit);
    CHECK(with.codes() == Codes{220, 250, 250, 250, 221});
}

TEST_CASE("a malformed UTF-8 address is refused even with SMTPUTF8") {
    auto session = converse(ehlo + "MAIL FROM:<j\xc3@origin.test> SMTPUTF8\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 553, 221});
}

TEST_CASE("DSN parameters on RCPT are accepted, unknown ones refused") {
    auto session = converse(ehlo + mail +
                            "RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE "
                            "ORCPT=rfc822;alice@example.org\r\n" +
                            "RCPT TO:<bob@example.org> XFOO\r\n" + quit);
    CHECK(session.codes() == Codes{220, 250, 250, 250, 555, 221});
}

TEST_CASE("QUIT in the middle of a transaction aborts nothing that was begun") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + quit, sink, config());
    CHECK(session.report().quit);
    CHECK(sink.begun.empty());
    CHECK(sink.aborts == 0);
}

TEST_CASE("RSET between BDAT chunks abandons the message") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 3\r\nabcRSET\r\n" + quit, sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250, 250, 221});
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts == 1);
    CHECK(sink.delivered.empty());
}

TEST_CASE("a connection closed between BDAT chunks aborts the begun message") {
    RecordingSink sink;
    auto session = converse(ehlo + mail + rcpt + "BDAT 3\r\nabc", sink, config());
    CHECK(session.codes() == Codes{220, 250, 250, 250, 250});
    CHECK(sink.begun.size() == 1);
    CHECK(sink.aborts == 1);
    CHECK(sink.delivered.empty());
    CHECK(session.report().delivered == 0);
}

TEST_CASE("a hostile EHLO name cannot break the Received header") {
    RecordingSink sink;
    auto session = converse("EHLO a(b)\\c\x01\r\n" + mail + rcpt + "DATA\r\nx\r\n.\r\n" + quit,
                            sink, config());
    REQUIRE(sink.begun.size() == 1);
    CHECK(sink.begun[0].received.starts_with("Received: from a?b??c? ([127.0.0.1])\r\n"));
}

// ---- group commit ---------------------------------------------------------

TEST_CASE("pipelined BDAT messages share one sync and each gets its 250 after it") {
    RecordingSink sink;
    sink.batching = true;
    std::string one = mail + rcpt + "BDAT 3 LAST\r\nabc";
    auto session = converse(ehlo + one + one + one + quit, sink, config());
    CHECK(sink.syncs == 1);
    CHECK(sink.delivered.size() == 3);
    CHECK(session.report().delivered == 3);
    CHECK(session.codes() ==
          std::vector<int>{220, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 221});
}

TEST_CASE("a failed group sync answers 451 for every message of the batch, in place") {
    RecordingSink sink;
    sink.batching = true;
    sink.fail_sync = Errc::storage;
    std::string one = mail + rcpt + "BDAT 3 LAST\r\nabc";
    auto session = converse(ehlo + one + one + quit, sink, config());
    CHECK(sink.delivered.empty());
    CHECK(session.report().delivered == 0);
    CHECK(session.report().rejected == 2);
    CHECK(session.codes() == std::vector<int>{220, 250, 250, 250, 451, 250, 250, 451, 221});
}

TEST_CASE("messages staged but never acknowledged are withdrawn when the connection drops") {
    RecordingSink sink;
    sink.batching = true;
    auto session =
        converse(ehlo + mail + rcpt + "BDAT 3 LAST\r\nabc" + mail + rcpt + "BDAT 10 LAST\r\nabc",
                 sink, config());
    CHECK(sink.delivered.empty());
    CHECK(sink.withdrawals == 1);
    CHECK_FALSE(session.has_line_starting("250 2.0.0 OK delivered"));
}
