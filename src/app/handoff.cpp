#include "app/handoff.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cstring>
#include <optional>
#include <system_error>

#include "deliver/child_process.h"
#include "net/awaitable.h"
#include "smtp/session_observer.h"
#include "util/text.h"

namespace odmr::app {
namespace {

using Clock = std::chrono::steady_clock;
using net::use_tuple;

// The local end of the bridge: a socket to the MTA, or a program with its
// stdin and stdout on one end of a socketpair.
struct Local {
    std::optional<deliver::ChildProcess> child;
    UniqueFd child_output;  // the program's stderr, ours to read
    std::unique_ptr<net::Stream> stream;
};

asio::awaitable<Result<Local>> open_local(const HandoffTarget& target,
                                          const HandoffLimits& limits) {
    Local local;
    if (target.argv.empty()) {
        auto stream = co_await deliver::connect_local(target.endpoint, limits.connect);
        if (!stream) co_return stream.error();
        local.stream = std::move(*stream);
        co_return local;
    }
    int pair[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        co_return make_error(Errc::storage, std::string("cannot make a socket pair: ") +
                                                std::generic_category().message(errno));
    UniqueFd ours(pair[0]), theirs(pair[1]);
    auto errors = deliver::make_pipe();
    if (!errors) co_return errors.error();
    auto child = deliver::ChildProcess::spawn(target.argv,
                                              {theirs.get(), theirs.get(), errors->second.get()});
    if (!child) co_return child.error();
    local.child.emplace(std::move(*child));
    local.child_output = std::move(errors->first);
    auto executor = co_await asio::this_coro::executor;
    auto socket = deliver::adopt_local_socket(executor, ours.release());
    if (!socket) co_return socket.error();
    local.stream = std::make_unique<net::Stream>(std::move(*socket));
    co_return local;
}

// Copies `from` to `to` until `from` closes; every byte also goes to `seen`.
template <class Seen>
asio::awaitable<void> pump(net::Stream& from, net::Stream& to, Duration limit,
                           Clock::time_point& activity, Seen seen) {
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
        auto n = co_await from.read_some(buffer, limit);
        if (!n) co_return;
        activity = Clock::now();
        std::span<const char> bytes(buffer.data(), *n);
        seen(bytes);
        if (!co_await to.write(bytes, limit)) co_return;
        activity = Clock::now();
    }
}

// Ends when neither side sent anything for `idle`, or the session is over.
asio::awaitable<void> watchdog(const HandoffLimits& limits, const Clock::time_point& activity,
                               bool& timed_out) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto session_end = Clock::now() + limits.session;
    for (;;) {
        auto deadline = std::min(activity + limits.idle, session_end);
        if (Clock::now() >= deadline) break;
        timer.expires_at(deadline);
        co_await timer.async_wait(use_tuple);
    }
    timed_out = true;
}

// Reads the program's stderr into the log until it closes or `stop` is set.
asio::awaitable<void> log_output(asio::posix::stream_descriptor& errors, const Log& log) {
    std::array<char, 4096> buffer{};
    std::string partial;
    for (;;) {
        auto [ec, n] = co_await errors.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) break;
        partial.append(buffer.data(), n);
        for (auto newline = partial.find('\n'); newline != std::string::npos;
             newline = partial.find('\n')) {
            log.warning("handoff program: " + partial.substr(0, newline));
            partial.erase(0, newline + 1);
        }
        if (partial.size() > 4096) partial.clear();
    }
    if (!partial.empty()) log.warning("handoff program: " + partial);
}

std::string describe(const HandoffTarget& target) {
    return target.argv.empty() ? target.endpoint.describe() : "\"" + target.argv.front() + "\"";
}

}  // namespace

asio::awaitable<Result<smtp::SessionReport>> hand_off(net::Reader& provider,
                                                      const HandoffTarget& target,
                                                      const HandoffLimits& limits, const Log& log) {
    auto opened = co_await open_local(target, limits);
    if (!opened) {
        log.error("cannot hand the session to " + describe(target) + ": " +
                  opened.error().message());
        // The provider waits for a greeting: tell it to keep the mail.
        co_await provider.stream().write(
            std::string_view("421 4.3.0 Local mail server unavailable, try again later\r\n"),
            limits.connect);
        co_return make_error(Errc::temporary,
                             "handoff to " + describe(target) + ": " + opened.error().message());
    }
    Local& local = *opened;
    net::Stream& mta = *local.stream;
    log.info("handing the session to " + describe(target));

    smtp::SessionObserver observer;
    auto activity = Clock::now();
    bool timed_out = false;
    // Bytes the provider sent with (or right after) the turn are forwarded first.
    if (auto early = provider.buffered(); !early.empty()) {
        observer.from_client(early);
        if (!co_await mta.write(early, limits.idle))
            co_return make_error(Errc::temporary, "handoff: local write failed");
        provider.consume(early.size());
    }
    auto to_mta = [&](std::span<const char> b) { observer.from_client(b); };
    auto to_provider = [&](std::span<const char> b) { observer.from_server(b); };
    auto bridge = [&]() -> asio::awaitable<void> {
        using asio::experimental::awaitable_operators::operator||;
        co_await (pump(provider.stream(), mta, limits.session, activity, to_mta) ||
                  pump(mta, provider.stream(), limits.session, activity, to_provider) ||
                  watchdog(limits, activity, timed_out));
        mta.close();
    };
    if (local.child) {
        asio::posix::stream_descriptor errors(co_await asio::this_coro::executor,
                                              local.child_output.release());
        auto program = [&]() -> asio::awaitable<void> {
            co_await bridge();
            auto exit = co_await local.child->wait(limits.idle);
            errors.cancel();
            bool clean = !exit.timed_out && WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 0;
            if (!clean) log.warning("handoff program " + exit.describe());
        };
        using asio::experimental::awaitable_operators::operator&&;
        co_await (program() && log_output(errors, log));
    } else {
        co_await bridge();
    }
    if (timed_out) log.error("handoff: no data either way for too long; hung up");
    if (observer.lost())
        log.notice("handoff: could not follow the session to the end; counting is approximate");
    smtp::SessionReport report;
    report.commands = observer.commands();
    report.delivered = observer.delivered();
    report.rejected = observer.refused();
    report.failed = observer.refused();  // the local MTA said no: worth a look either way
    if (observer.lost() && report.delivered == 0 && report.commands > 1) report.delivered = 1;
    log.info("handoff finished: the local server accepted " + std::to_string(observer.delivered()) +
             " message(s)");
    if (timed_out) co_return make_error(Errc::timeout, "handoff: idle timeout");
    co_return report;
}

}  // namespace odmr::app
