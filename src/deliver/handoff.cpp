#include "deliver/handoff.h"

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
#include "util/text.h"

namespace odmr::deliver {
namespace {

using net::use_tuple;

// The local end of the bridge: a socket to the MTA, or a program with its
// stdin and stdout on one end of a socketpair.
struct Local {
    std::optional<ChildProcess> child;
    UniqueFd child_output;  // the program's stderr, ours to read
    std::unique_ptr<net::Stream> stream;
};

asio::awaitable<Result<Local>> open_local(const HandoffTarget& target,
                                          const HandoffLimits& limits) {
    Local local;
    if (target.argv.empty()) {
        auto stream = co_await connect_local(target.endpoint, limits.connect);
        if (!stream) co_return stream.error();
        local.stream = std::move(*stream);
        co_return local;
    }
    int pair[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        co_return make_error(Errc::storage, std::string("cannot make a socket pair: ") +
                                                std::generic_category().message(errno));
    UniqueFd ours(pair[0]), theirs(pair[1]);
    auto errors = make_pipe();
    if (!errors) co_return errors.error();
    auto child =
        ChildProcess::spawn(target.argv, {theirs.get(), theirs.get(), errors->second.get()});
    if (!child) co_return child.error();
    local.child.emplace(std::move(*child));
    local.child_output = std::move(errors->first);
    auto executor = co_await asio::this_coro::executor;
    auto socket = adopt_local_socket(executor, ours.release());
    if (!socket) co_return socket.error();
    local.stream = std::make_unique<net::Stream>(std::move(*socket));
    co_return local;
}

// Copies `from` to `to` through `filter` until `from` closes or the filter
// says stop (it could not follow the session: nothing more is checked).
template <class Filter>
asio::awaitable<void> pump(net::Stream& from, net::Stream& to, Duration limit,
                           Clock::time_point& activity, Filter filter) {
    std::array<char, 16 * 1024> buffer{};
    std::string out;
    for (;;) {
        auto n = co_await from.read_some(buffer, limit);
        if (!n) co_return;
        activity = Clock::now();
        out.clear();
        bool go_on = filter(std::span<const char>(buffer.data(), *n), out);
        if (!out.empty() && !co_await to.write(out, limit)) co_return;
        if (!go_on) co_return;
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

// Both directions until one side closes or the watchdog fires; then the
// local end is closed. Returns whether the watchdog fired.
asio::awaitable<bool> bridge(net::Stream& provider, net::Stream& mta, const HandoffLimits& limits,
                             smtp::SessionObserver& observer) {
    auto activity = Clock::now();
    bool timed_out = false;
    auto to_mta = [&](std::span<const char> b, std::string& out) {
        observer.from_client(b, out);
        return !observer.lost();
    };
    auto to_provider = [&](std::span<const char> b, std::string& out) {
        observer.from_server(b, out);
        return !observer.lost();
    };
    using asio::experimental::awaitable_operators::operator||;
    co_await (pump(provider, mta, limits.session, activity, to_mta) ||
              pump(mta, provider, limits.session, activity, to_provider) ||
              watchdog(limits, activity, timed_out));
    mta.close();
    co_return timed_out;
}

// Reads the program's stderr into the log until it closes (or is cancelled).
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

// The bridge with a program at the local end: its stderr goes to the log
// meanwhile, and it is waited for (and its exit status logged) afterwards.
asio::awaitable<bool> bridge_program(net::Stream& provider, net::Stream& mta, Local& local,
                                     const HandoffLimits& limits, smtp::SessionObserver& observer,
                                     const Log& log) {
    asio::posix::stream_descriptor errors(co_await asio::this_coro::executor,
                                          local.child_output.release());
    bool timed_out = false;
    auto program = [&]() -> asio::awaitable<void> {
        timed_out = co_await bridge(provider, mta, limits, observer);
        auto exit = co_await local.child->wait(limits.idle);
        errors.cancel();
        bool clean = !exit.timed_out && WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 0;
        if (!clean) log.warning("handoff program " + exit.describe());
    };
    using asio::experimental::awaitable_operators::operator&&;
    co_await (program() && log_output(errors, log));
    co_return timed_out;
}

}  // namespace

std::string HandoffTarget::describe() const {
    return argv.empty() ? endpoint.describe() : "\"" + argv.front() + "\"";
}

Handoff::Handoff(net::Reader& provider, const HandoffTarget& target, const HandoffLimits& limits,
                 HandoffRecipients recipients, const Log& log)
    : provider_(provider),
      target_(target),
      limits_(limits),
      log_(log),
      observer_(recipient_gate(std::move(recipients), refusals_)) {}

asio::awaitable<Result<smtp::SessionReport>> Handoff::run() {
    auto opened = co_await open_local(target_, limits_);
    if (!opened) {
        // The provider waits for a greeting: tell it to keep the mail.
        co_await provider_.stream().write(
            std::string_view("421 4.3.0 Local mail server unavailable, try again later\r\n"),
            limits_.connect);
        co_return make_error(Errc::temporary, "cannot hand the session to " + target_.describe() +
                                                  ": " + opened.error().message());
    }
    Local& local = *opened;
    net::Stream& mta = *local.stream;
    log_.info("handing the session to " + target_.describe());

    // Bytes the provider sent with (or right after) the turn are forwarded first.
    if (auto early = provider_.buffered(); !early.empty()) {
        std::string checked;
        observer_.from_client(early, checked);
        if (!checked.empty() && !co_await mta.write(checked, limits_.idle))
            co_return make_error(Errc::temporary, "handoff: local write failed");
        provider_.consume(early.size());
    }
    bool timed_out = false;
    if (local.child)
        timed_out =
            co_await bridge_program(provider_.stream(), mta, local, limits_, observer_, log_);
    else
        timed_out = co_await bridge(provider_.stream(), mta, limits_, observer_);
    refusals_.summarise();
    if (!followed())
        log_.warning(
            "handoff: could not follow the session (an over-long line or a body "
            "before 354): hung up, so that nothing passed unchecked");
    log_.info("handoff finished: the local server accepted " +
              std::to_string(observer_.delivered()) + " message(s)");
    if (timed_out)
        co_return make_error(Errc::timeout, "handoff: no data either way for too long; hung up");
    smtp::SessionReport report;
    report.commands = observer_.commands();
    report.delivered = observer_.delivered();
    report.refused = observer_.refused();
    report.failed = observer_.refused();  // the local MTA said no: worth a look either way
    co_return report;
}

}  // namespace odmr::deliver
