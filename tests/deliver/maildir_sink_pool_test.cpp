// The Maildir sink with its flushes on a BlockingPool (util/blocking_pool.h):
// the outcome rules are the inline ones, and the I/O thread is free meanwhile.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "deliver/maildir_sink.h"
#include "support/asio_harness.h"
#include "util/blocking_pool.h"

using namespace odmr;
using namespace odmr::deliver;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct ScratchMaildirs {
    fs::path path;
    ScratchMaildirs() {
        std::string pattern = (fs::temp_directory_path() / "odmr-pool-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~ScratchMaildirs() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::size_t count(const fs::path& dir) {
    std::error_code ec;
    std::size_t n = 0;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it)
        ++n;
    return n;
}

const Log quiet(0, nullptr);

mail::Envelope to(std::vector<std::string> recipients) {
    mail::Envelope e;
    e.sender = "sender@origin.test";
    e.recipients = std::move(recipients);
    e.received = "Received: from provider.test\r\n";
    e.id = "abc123";
    return e;
}

void commit_one(MaildirSink& sink, const mail::Envelope& envelope) {
    std::string_view body = "Subject: x\r\n\r\nbody\r\n";
    REQUIRE(test::run(sink.begin(envelope)).ok());
    REQUIRE(test::run(sink.write(std::span<const char>(body.data(), body.size()))).ok());
    REQUIRE(test::run(sink.commit()).ok());
}

asio::awaitable<void> hold_worker(BlockingPool& pool, std::atomic<bool>& release) {
    co_await pool.run([&] {
        for (int i = 0; i < 500 && !release; ++i) std::this_thread::sleep_for(10ms);
        return Status{};
    });
}

// Looks while the sink's sync() waits for the pool, then frees the worker.
asio::awaitable<void> look_then_release(BlockingPool& pool, const fs::path& maildir,
                                        std::atomic<bool>& release, std::size_t& in_flight,
                                        std::size_t& published) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
    co_await timer.async_wait(asio::use_awaitable);
    in_flight = pool.in_flight();
    published = count(maildir / "new");
    release = true;
}

}  // namespace

TEST_CASE("with a pool, a batch is published as inline, every copy in every Maildir") {
    ScratchMaildirs dir;
    BlockingPool pool(2);
    MaildirSink sink((dir.path / "{local}").string(), "host", quiet, {}, &pool);
    commit_one(sink, to({"a@example.org", "b@example.org"}));
    commit_one(sink, to({"a@example.org"}));
    REQUIRE(test::run(sink.sync()).ok());
    CHECK(count(dir.path / "a" / "new") == 2);
    CHECK(count(dir.path / "b" / "new") == 1);
    CHECK(count(dir.path / "a" / "tmp") == 0);
    CHECK(count(dir.path / "b" / "tmp") == 0);
}

TEST_CASE("with a pool, sync() waits for a worker while the I/O thread goes on") {
    ScratchMaildirs dir;
    BlockingPool pool(1);
    MaildirSink sink(dir.path.string(), "host", quiet, {}, &pool);
    commit_one(sink, to({"a@example.org"}));
    asio::io_context io;
    std::atomic<bool> release{false};
    std::size_t in_flight = 0;
    std::size_t published = 99;
    std::optional<Status> synced;
    test::spawn(io, hold_worker(pool, release));  // the only worker is busy
    test::spawn(io, sink.sync(), synced);
    test::spawn(io, look_then_release(pool, dir.path, release, in_flight, published));
    test::run_all(io);
    CHECK(in_flight == 2);  // the held work and the sync, both waited for
    CHECK(published == 0);  // nothing in new/ before the sync ran
    REQUIRE(synced.has_value());
    CHECK(synced->ok());
    CHECK(count(dir.path / "new") == 1);
    CHECK(count(dir.path / "tmp") == 0);
}

TEST_CASE("with a pool, a failed sync withdraws the whole batch and says why") {
    ScratchMaildirs dir;
    BlockingPool pool(1);
    MaildirSink sink((dir.path / "{local}").string(), "host", quiet, {}, &pool);
    commit_one(sink, to({"a@example.org"}));
    commit_one(sink, to({"b@example.org"}));
    // b's new/ goes away under the open descriptor: its rename fails (also as root).
    fs::remove(dir.path / "b" / "new");
    auto synced = test::run(sink.sync());
    REQUIRE_FALSE(synced.ok());
    CHECK(synced.error().is(Errc::storage));
    CHECK(synced.error().detail.find("cannot move the message into") != std::string::npos);
    CHECK(count(dir.path / "a" / "new") == 0);  // a's copy, published first, is taken back
    CHECK(count(dir.path / "a" / "tmp") == 0);
    CHECK(count(dir.path / "b" / "tmp") == 0);
}
