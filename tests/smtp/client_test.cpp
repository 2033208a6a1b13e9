#include "smtp/client.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::smtp;

namespace {

constexpr auto timeout = std::chrono::seconds(5);

// What reached the peer from the client, and what the -vv log showed.
struct Conversation {
    std::string from_client;
    std::string transcript;
};

// Runs `talk` with a Client whose peer has written `server_says` and then
// closed its side.
template <class T>
Conversation converse(const std::string& server_says,
                      const std::function<asio::awaitable<T>(Client&)>& talk,
                      std::optional<T>& out) {
    asio::io_context io;
    auto [peer, socket] = test::loopback_pair(io);
    asio::write(peer, asio::buffer(server_says));
    peer.shutdown(asio::ip::tcp::socket::shutdown_send);  // and then nothing more
    net::Stream stream(std::move(socket));
    net::Reader reader(stream);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
    Log log(3, file.get());
    Client client(reader, log);
    auto run = [&]() -> asio::awaitable<T> {
        auto result = co_await talk(client);
        stream.close();
        co_return result;
    };
    test::spawn(io, run(), out);
    test::run_all(io);
    Conversation c;
    std::array<char, 4096> buffer{};
    std::error_code ec;
    while (std::size_t n = peer.read_some(asio::buffer(buffer), ec))
        c.from_client.append(buffer.data(), n);
    std::rewind(file.get());
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get()))
        c.transcript.append(buffer.data(), n);
    return c;
}

}  // namespace

TEST_CASE("a multi-line reply is read whole") {
    std::optional<Result<Reply>> reply;
    auto c = converse<Result<Reply>>(
        "250-odmr.example.net\r\n250-AUTH PLAIN\r\n250 ATRN\r\n",
        [](Client& client) { return client.read_reply(timeout); }, reply);
    REQUIRE(reply->ok());
    CHECK(reply->value().code == 250);
    CHECK(reply->value().lines ==
          std::vector<std::string>{"odmr.example.net", "AUTH PLAIN", "ATRN"});
    CHECK(c.transcript.find("S< 250 ATRN") != std::string::npos);
}

TEST_CASE("command sends the line with CRLF and returns the reply") {
    std::optional<Result<Reply>> reply;
    auto c = converse<Result<Reply>>(
        "250 2.0.0 OK\r\n", [](Client& client) { return client.command("NOOP", timeout); }, reply);
    REQUIRE(reply->ok());
    CHECK(reply->value().code == 250);
    CHECK(c.from_client == "NOOP\r\n");
    CHECK(c.transcript.find("C> NOOP") != std::string::npos);
}

TEST_CASE("a secret line reaches the peer but the transcript shows its stand-in") {
    std::optional<Result<Reply>> reply;
    auto c = converse<Result<Reply>>(
        "235 2.7.0 OK\r\n",
        [](Client& client) {
            return client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA==", timeout,
                                  "AUTH PLAIN <redacted>");
        },
        reply);
    REQUIRE(reply->ok());
    CHECK(c.from_client == "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
    CHECK(c.transcript.find("AGFsaWNl") == std::string::npos);
    CHECK(c.transcript.find("C> AUTH PLAIN <redacted>") != std::string::npos);
}

TEST_CASE("an over-long reply line is a protocol error") {
    std::optional<Result<Reply>> reply;
    (void)converse<Result<Reply>>(
        "250 " + std::string(3000, 'x') + "\r\n",
        [](Client& client) { return client.read_reply(timeout); }, reply);
    REQUIRE_FALSE(reply->ok());
    CHECK(reply->error().is(Errc::protocol));
}

TEST_CASE("a malformed reply is an error, not a reply") {
    std::optional<Result<Reply>> reply;
    (void)converse<Result<Reply>>(
        "hello\r\n", [](Client& client) { return client.read_reply(timeout); }, reply);
    REQUIRE_FALSE(reply->ok());
    CHECK(reply->error().is(Errc::protocol));
}

TEST_CASE("a peer that closes before replying is an error") {
    std::optional<Result<Reply>> reply;
    (void)converse<Result<Reply>>(
        "", [](Client& client) { return client.read_reply(timeout); }, reply);
    CHECK_FALSE(reply->ok());
}
