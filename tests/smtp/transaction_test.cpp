#include "smtp/transaction.h"

#include <doctest/doctest.h>

#include "support/asio_harness.h"
#include "support/recording_sink.h"

using namespace odmr;
using namespace odmr::smtp;
using odmr::test::RecordingSink;

namespace {

asio::awaitable<Status> begin_and_write(RecordingSink& sink, Transaction& transaction) {
    if (auto begun = co_await sink.begin(transaction.envelope); !begun) co_return begun;
    transaction.message = OpenMessage(sink);
    co_return co_await transaction.message.write(std::string_view("body\r\n"));
}

}  // namespace

TEST_CASE("a fresh transaction has nothing open and nothing refused") {
    Transaction transaction;
    CHECK_FALSE(transaction.message.is_open());
    CHECK_FALSE(transaction.refused());
    CHECK(transaction.size == 0);
}

TEST_CASE("resetting a transaction by assignment aborts the message the sink began") {
    RecordingSink sink;
    Transaction transaction;
    REQUIRE(test::run(begin_and_write(sink, transaction)).ok());
    CHECK(transaction.message.is_open());
    transaction = Transaction{};
    CHECK(sink.aborts == 1);
    CHECK_FALSE(transaction.message.is_open());
    transaction = Transaction{};  // nothing open: nothing more to abort
    CHECK(sink.aborts == 1);
}

TEST_CASE("a committed message is the sink's: dropping the transaction aborts nothing") {
    RecordingSink sink;
    {
        Transaction transaction;
        REQUIRE(test::run(begin_and_write(sink, transaction)).ok());
        CHECK(test::run(transaction.message.commit()).ok());
        CHECK_FALSE(transaction.message.is_open());
    }
    CHECK(sink.aborts == 0);
    CHECK(sink.delivered == std::vector<std::string>{"body\r\n"});
}

TEST_CASE("a failed commit aborts the message once") {
    RecordingSink sink;
    sink.fail_commit = Errc::storage;
    {
        Transaction transaction;
        REQUIRE(test::run(begin_and_write(sink, transaction)).ok());
        CHECK_FALSE(test::run(transaction.message.commit()).ok());
        CHECK_FALSE(transaction.message.is_open());
    }
    CHECK(sink.aborts == 1);
}

TEST_CASE("moving an open message moves the duty to abort it") {
    RecordingSink sink;
    OpenMessage outer;
    {
        Transaction transaction;
        REQUIRE(test::run(begin_and_write(sink, transaction)).ok());
        outer = std::move(transaction.message);
    }
    CHECK(sink.aborts == 0);
    outer.abort();
    CHECK(sink.aborts == 1);
}

TEST_CASE("the first reason to refuse a message wins") {
    Transaction transaction;
    transaction.refuse({552, "5.3.4", "Message size exceeds fixed limit"});
    transaction.refuse({451, "4.3.0", "Local delivery failed, try again later"});
    REQUIRE(transaction.refused());
    CHECK(transaction.refusal->code == 552);
}
