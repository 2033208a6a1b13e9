#include "smtp/body_receiver.h"

#include <doctest/doctest.h>

#include <asio/write.hpp>
#include <functional>
#include <optional>
#include <string>

#include "support/asio_harness.h"
#include "support/recording_sink.h"

using namespace odmr;
using namespace odmr::smtp;
using odmr::test::RecordingSink;

namespace {

const Log quiet(0, nullptr);

ServerConfig limits(std::size_t max_size, std::size_t max_line) {
    ServerConfig config;
    config.max_message_size = max_size;
    config.max_body_line = max_line;
    config.data_timeout = std::chrono::seconds(5);
    return config;
}

struct Received {
    std::optional<Status> status;
    std::string rest;  // what the reader still holds after the body
};

// The provider writes `input` and closes its side; `receive` reads a body
// from it into a transaction whose message the sink has begun.
Received receive(const std::string& input, RecordingSink& sink, Transaction& transaction,
                 const ServerConfig& config,
                 const std::function<asio::awaitable<Status>(BodyReceiver&)>& body) {
    asio::io_context io;
    auto [peer, socket] = test::loopback_pair(io);
    asio::write(peer, asio::buffer(input));
    peer.shutdown(asio::ip::tcp::socket::shutdown_send);
    net::Stream stream(std::move(socket));
    net::Reader reader(stream);
    BodyReceiver receiver(reader, config, quiet);
    Received out;
    auto run = [&]() -> asio::awaitable<Status> {
        if (auto begun = co_await sink.begin(transaction.envelope); !begun) co_return begun;
        transaction.message = OpenMessage(sink);
        auto status = co_await body(receiver);
        auto left = reader.buffered();
        out.rest.assign(left.data(), left.size());
        co_return status;
    };
    test::spawn(io, run(), out.status);
    test::run_all(io);
    return out;
}

std::string written(RecordingSink& sink, Transaction& transaction) {
    REQUIRE(test::run(transaction.message.commit()).ok());
    REQUIRE(sink.delivered.size() == 1);
    return sink.delivered[0];
}

}  // namespace

TEST_CASE("DATA: the body is unstuffed, and what follows it is left for the commands") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got = receive("a\r\n..b\r\n.\r\nQUIT\r\n", sink, transaction, limits(1000, 100),
                       [&](BodyReceiver& r) { return r.dot_body(transaction, deadline); });
    REQUIRE(got.status->ok());
    CHECK(got.rest == "QUIT\r\n");
    CHECK_FALSE(transaction.refused());
    CHECK(transaction.size == 7);
    CHECK(written(sink, transaction) == "a\r\n.b\r\n");
}

TEST_CASE("DATA: a body larger than one piece reaches the sink whole") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    std::string line = std::string(998, 'x') + "\r\n";
    std::string body;
    for (int i = 0; i < 200; ++i) body += line;  // 200 000 octets: several pieces
    auto got = receive(body + ".\r\n", sink, transaction, limits(1 << 20, 1000),
                       [&](BodyReceiver& r) { return r.dot_body(transaction, deadline); });
    REQUIRE(got.status->ok());
    CHECK(written(sink, transaction) == body);
}

TEST_CASE("DATA: an over-long line refuses the message but the body is read to its end") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got =
        receive(std::string(11, 'x') + "\r\n.\r\nNOOP\r\n", sink, transaction, limits(1000, 10),
                [&](BodyReceiver& r) { return r.dot_body(transaction, deadline); });
    REQUIRE(got.status->ok());
    CHECK(got.rest == "NOOP\r\n");
    REQUIRE(transaction.refused());
    CHECK(transaction.refusal->code == 552);
    CHECK(transaction.refusal->text == "Message line longer than 10 octets");
}

TEST_CASE("DATA cut off before its end is an error") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got = receive("partial\r\n", sink, transaction, limits(1000, 100),
                       [&](BodyReceiver& r) { return r.dot_body(transaction, deadline); });
    REQUIRE_FALSE(got.status->ok());
    CHECK(got.status->error().is(Errc::connection_lost));
}

TEST_CASE("BDAT: a line is measured across chunks") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got = receive("abcdefgh\r\n", sink, transaction, limits(1000, 6),
                       [&](BodyReceiver& r) -> asio::awaitable<Status> {
                           if (auto s = co_await r.chunk(4, &transaction, deadline); !s)
                               co_return s;
                           CHECK_FALSE(transaction.refused());
                           co_return co_await r.chunk(6, &transaction, deadline);
                       });
    REQUIRE(got.status->ok());
    REQUIRE(transaction.refused());
    CHECK(transaction.refusal->code == 552);
}

TEST_CASE("BDAT: BINARYMIME data has no lines to measure, and is kept as sent") {
    RecordingSink sink;
    Transaction transaction;
    transaction.mail.body = mail::BodyType::binary_mime;
    Deadline deadline(std::chrono::seconds(10));
    std::string data = std::string(50, '\0') + "\r\n.\r\n";
    auto got =
        receive(data + "QUIT\r\n", sink, transaction, limits(1000, 10),
                [&](BodyReceiver& r) { return r.chunk(data.size(), &transaction, deadline); });
    REQUIRE(got.status->ok());
    CHECK_FALSE(transaction.refused());
    CHECK(got.rest == "QUIT\r\n");
    CHECK(written(sink, transaction) == data);
}

TEST_CASE("BDAT: over the size limit the rest of the chunk is read and thrown away") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got = receive(std::string(20, 'x') + "NOOP\r\n", sink, transaction, limits(10, 100),
                       [&](BodyReceiver& r) { return r.chunk(20, &transaction, deadline); });
    REQUIRE(got.status->ok());
    CHECK(got.rest == "NOOP\r\n");
    REQUIRE(transaction.refused());
    CHECK(transaction.refusal->text == "Message size exceeds fixed limit");
}

TEST_CASE("BDAT: a refused chunk (no transaction) is read and thrown away") {
    RecordingSink sink;
    Transaction transaction;
    Deadline deadline(std::chrono::seconds(10));
    auto got = receive("QUIT\r\nNOOP\r\n", sink, transaction, limits(1000, 100),
                       [&](BodyReceiver& r) { return r.chunk(6, nullptr, deadline); });
    REQUIRE(got.status->ok());
    CHECK(got.rest == "NOOP\r\n");
    CHECK(transaction.size == 0);
}
