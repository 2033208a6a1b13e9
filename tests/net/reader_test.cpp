#include "net/reader.h"

#include <doctest/doctest.h>

#include <asio/redirect_error.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/asio_harness.h"

using namespace odmr;
using namespace std::chrono_literals;

namespace {

// One read_line() result: the line, or the error it ended with.
struct Read {
    std::string line;
    std::optional<Error> error;
};

// Sends `input` (then closes unless `keep_open`), and reads `count` lines
// through a Reader with the given bound.
std::vector<Read> read_lines(const std::string& input, std::size_t count, std::size_t max,
                             bool keep_open = false, std::size_t capacity = 64 * 1024) {
    asio::io_context io;
    auto [writer, reader_socket] = test::loopback_pair(io);
    asio::write(writer, asio::buffer(input));
    if (!keep_open) writer.shutdown(asio::ip::tcp::socket::shutdown_send);
    net::Stream stream(std::move(reader_socket));
    net::Reader reader(stream, capacity);
    std::vector<Read> out;
    auto task = [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < count; ++i) {
            auto line = co_await reader.read_line(max, 200ms);
            if (line)
                out.push_back({std::string(*line), std::nullopt});
            else
                out.push_back({{}, line.error()});
        }
    };
    test::spawn(io, task());
    test::run_all(io);
    return out;
}

}  // namespace

TEST_CASE("read_line returns lines without CRLF or a bare LF") {
    auto reads = read_lines("one\r\ntwo\nthree\r\n", 3, 100);
    REQUIRE(reads.size() == 3);
    CHECK(reads[0].line == "one");
    CHECK(reads[1].line == "two");
    CHECK(reads[2].line == "three");
}

TEST_CASE("read_line keeps a CR that is not part of the line end") {
    auto reads = read_lines("a\rb\r\r\n", 1, 100);
    REQUIRE_FALSE(reads[0].error.has_value());
    CHECK(reads[0].line == "a\rb\r");
}

TEST_CASE("a buffered line is taken without waiting, as read_line would return it") {
    asio::io_context io;
    auto [writer, reader_socket] = test::loopback_pair(io);
    asio::write(writer, asio::buffer(std::string("one\r\ntwo\nxxxx\r\nthr")));
    net::Stream stream(std::move(reader_socket));
    net::Reader reader(stream, 1024);
    std::vector<std::string> lines;
    bool too_long = false;
    std::size_t left_over = 0;
    auto task = [&]() -> asio::awaitable<void> {
        while (reader.buffered().size() < 18) (void)co_await reader.fill(200ms);
        CHECK(reader.has_line());
        for (int i = 0; i < 2; ++i) {
            auto line = reader.take_line(reader.line_end(), 3);
            if (line) lines.emplace_back(*line);
        }
        auto over = reader.take_line(reader.line_end(), 3);
        too_long = !over && over.error().is(Errc::line_too_long);
        left_over = reader.line_end();
    };
    test::spawn(io, task());
    test::run_all(io);
    CHECK(lines == std::vector<std::string>{"one", "two"});
    CHECK(too_long);
    CHECK(left_over == net::Reader::no_line);
}

TEST_CASE("a line of exactly the bound is accepted") {
    std::string line(100, 'x');
    auto reads = read_lines(line + "\r\n" + line + "\n", 2, 100);
    CHECK(reads[0].line == line);
    CHECK(reads[1].line == line);
}

TEST_CASE("a line over the bound is line_too_long and the next line is read normally") {
    auto reads = read_lines(std::string(101, 'x') + "\r\nnext\r\n", 2, 100);
    REQUIRE(reads[0].error.has_value());
    CHECK(reads[0].error->is(Errc::line_too_long));
    CHECK(reads[1].line == "next");
}

TEST_CASE("a line far longer than the buffer is discarded without growing it") {
    auto reads = read_lines(std::string(10000, 'x') + "\r\nnext\r\n", 2, 100, false, 512);
    REQUIRE(reads[0].error.has_value());
    CHECK(reads[0].error->is(Errc::line_too_long));
    CHECK(reads[1].line == "next");
}

TEST_CASE("the peer closing the connection is connection_lost") {
    auto reads = read_lines("partial", 1, 100);
    REQUIRE(reads[0].error.has_value());
    CHECK(reads[0].error->is(Errc::connection_lost));
}

TEST_CASE("a silent peer is a timeout") {
    auto reads = read_lines("", 1, 100, true);
    REQUIRE(reads[0].error.has_value());
    CHECK(reads[0].error->is(Errc::timeout));
}

namespace {

// A peer that sends `text` one byte every `gap`, and what read_line made of it.
Read read_trickled(const std::string& text, std::chrono::milliseconds gap,
                   std::chrono::milliseconds timeout) {
    asio::io_context io;
    auto [writer, reader_socket] = test::loopback_pair(io);
    asio::ssl::context tls(asio::ssl::context::tls_client);
    net::Stream stream(std::move(reader_socket), tls);
    net::Reader reader(stream);
    Read out;
    auto trickle = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        for (char c : text) {
            std::error_code ec;
            asio::write(writer, asio::buffer(&c, 1), ec);
            if (ec) co_return;
            timer.expires_after(gap);
            co_await timer.async_wait(asio::use_awaitable);
        }
    };
    auto read = [&]() -> asio::awaitable<void> {
        auto line = co_await reader.read_line(100, timeout);
        if (line)
            out.line = std::string(*line);
        else
            out.error = line.error();
        writer.close();
    };
    test::spawn(io, trickle());
    test::spawn(io, read());
    test::run_all(io);
    return out;
}

}  // namespace

TEST_CASE("the timeout is for the whole line: a byte now and then does not extend it") {
    // Each gap is well within the timeout, the whole line is not.
    auto slow = read_trickled("220 hello\r\n", 60ms, 300ms);
    REQUIRE(slow.error.has_value());
    CHECK(slow.error->is(Errc::timeout));
    auto fast_enough = read_trickled("220 hello\r\n", 10ms, 2000ms);
    REQUIRE_FALSE(fast_enough.error.has_value());
    CHECK(fast_enough.line == "220 hello");
}

TEST_CASE("message data that has arrived comes in reads of more than 64 KiB") {
    asio::io_context io;
    auto [writer, reader_socket] = test::loopback_pair(io);
    reader_socket.set_option(asio::socket_base::receive_buffer_size(4 << 20));
    std::string data(192 * 1024, 'x');
    net::Stream stream(std::move(reader_socket));
    net::Reader reader(stream);
    asio::steady_timer written(io, asio::steady_timer::time_point::max());
    auto write = [&]() -> asio::awaitable<void> {
        co_await asio::async_write(writer, asio::buffer(data), asio::use_awaitable);
        writer.shutdown(asio::ip::tcp::socket::shutdown_send);
        written.cancel();
    };
    std::size_t first = 0;
    std::size_t total = 0;
    auto read = [&]() -> asio::awaitable<void> {
        std::error_code ignored;
        co_await written.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        for (;;) {
            auto n = co_await reader.fill(1s);
            if (!n) break;
            if (first == 0) first = *n;
            total += *n;
            reader.consume(*n);
        }
    };
    test::spawn(io, write());
    test::spawn(io, read());
    test::run_all(io);
    CHECK(total == data.size());
    CHECK(first > 64 * 1024);  // all of it was there: one read takes up to 256 KiB
}
