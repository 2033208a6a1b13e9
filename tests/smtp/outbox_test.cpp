#include "smtp/outbox.h"

#include <doctest/doctest.h>

#include <array>
#include <functional>
#include <string>

#include "support/asio_harness.h"
#include "support/recording_sink.h"

using namespace odmr;
using namespace odmr::smtp;
using odmr::test::RecordingSink;

namespace {

const Log quiet(0, nullptr);

// Runs `fill` on an Outbox, settles and sends it, and returns what the
// provider's end of the connection received.
std::string sent(RecordingSink& sink, const std::function<void(Outbox&)>& fill,
                 Outbox::Settled* settled = nullptr) {
    asio::io_context io;
    auto [client, server_socket] = test::loopback_pair(io);
    net::Stream stream(std::move(server_socket));
    Outbox outbox(quiet);
    fill(outbox);
    auto run = [&]() -> asio::awaitable<Status> {
        auto result = co_await outbox.settle(sink);
        if (settled != nullptr) *settled = result;
        auto status = co_await outbox.send(stream, std::chrono::seconds(5));
        stream.close();
        co_return status;
    };
    std::optional<Status> status;
    test::spawn(io, run(), status);
    test::run_all(io);
    REQUIRE(status.has_value());
    CHECK(status->ok());
    std::string received;
    std::array<char, 4096> buffer{};
    std::error_code ec;
    while (std::size_t n = client.read_some(asio::buffer(buffer), ec))
        received.append(buffer.data(), n);
    return received;
}

Committed message(std::string id) {
    return {std::move(id), "sender@origin.test", 1, 100};
}

}  // namespace

TEST_CASE("replies are formatted with and without an enhanced code") {
    RecordingSink sink;
    auto out = sent(sink, [](Outbox& o) {
        o.reply(220, "", "customer.example.org ESMTP");
        o.reply(250, "2.1.0", "Sender OK");
        o.reply_lines(250, {"customer.example.org Hello", "PIPELINING", "HELP"});
    });
    CHECK(out ==
          "220 customer.example.org ESMTP\r\n250 2.1.0 Sender OK\r\n"
          "250-customer.example.org Hello\r\n250-PIPELINING\r\n250 HELP\r\n");
}

TEST_CASE("a durable message is acknowledged at once, without a sync") {
    RecordingSink sink;
    auto out = sent(sink, [](Outbox& o) { o.acknowledge(message("m1")); });
    CHECK(out == "250 2.0.0 OK delivered as m1\r\n");
    CHECK(sink.syncs == 0);
}

TEST_CASE("staged messages share one sync and each 250 goes in its place") {
    RecordingSink sink;
    sink.batching = true;
    Outbox::Settled settled;
    auto out = sent(
        sink,
        [](Outbox& o) {
            o.reply(250, "2.1.0", "Sender OK");
            o.stage(message("m1"));
            o.reply(250, "2.1.0", "Sender OK");
            o.stage(message("m2"));
            o.reply(221, "2.0.0", "bye");
            CHECK(o.staged() == 2);
        },
        &settled);
    CHECK(sink.syncs == 1);
    CHECK(settled.delivered == 2);
    CHECK(settled.failed == 0);
    CHECK(out ==
          "250 2.1.0 Sender OK\r\n250 2.0.0 OK delivered as m1\r\n"
          "250 2.1.0 Sender OK\r\n250 2.0.0 OK delivered as m2\r\n221 2.0.0 bye\r\n");
}

TEST_CASE("a failed sync answers 451 for each staged message, in place") {
    RecordingSink sink;
    sink.batching = true;
    sink.fail_sync = Errc::storage;
    Outbox::Settled settled;
    auto out = sent(
        sink,
        [](Outbox& o) {
            o.stage(message("m1"));
            o.reply(250, "2.0.0", "OK");
            o.stage(message("m2"));
        },
        &settled);
    CHECK(settled.delivered == 0);
    CHECK(settled.failed == 2);
    CHECK(out ==
          "451 4.3.0 Local delivery failed, try again later\r\n250 2.0.0 OK\r\n"
          "451 4.3.0 Local delivery failed, try again later\r\n");
}

TEST_CASE("nothing staged: settle does not sync") {
    RecordingSink sink;
    sink.batching = true;
    (void)sent(sink, [](Outbox& o) { o.reply(250, "2.0.0", "OK"); });
    CHECK(sink.syncs == 0);
}

TEST_CASE("withdrawing staged messages tells the sink once and forgets them") {
    RecordingSink sink;
    sink.batching = true;
    Outbox outbox(quiet);
    CHECK(outbox.withdraw(sink) == 0);
    CHECK(sink.withdrawals == 0);
    sink.staged = {"a", "b"};
    outbox.stage(message("m1"));
    outbox.stage(message("m2"));
    CHECK(outbox.withdraw(sink) == 2);
    CHECK(sink.withdrawals == 2);
    CHECK(outbox.staged() == 0);
}
