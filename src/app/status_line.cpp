#include "app/status_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "smtp/server.h"

namespace odmr::app {
namespace {

std::string amount(double octets) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int unit = 0;
    while (octets >= 1000 && unit < 4) {
        octets /= 1000;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", octets, units[unit]);
    return buffer;
}

}  // namespace

std::string describe(const Progress& p, std::chrono::steady_clock::time_point now,
                     std::size_t width) {
    std::size_t messages = p.messages;
    std::size_t octets = p.octets;
    std::string current;
    if (p.server != nullptr) {
        messages += p.server->progress().delivered;
        octets += p.server->progress().octets + p.server->message_octets();
        std::size_t declared = p.server->message_declared_size();
        if (declared > 0 && p.server->message_octets() > 0) {
            auto percent = std::min<std::size_t>(100, p.server->message_octets() * 100 / declared);
            current = ", message " + std::to_string(percent) + "% of " +
                      amount(static_cast<double>(declared));
        }
    }
    double seconds = std::chrono::duration<double>(now - p.started).count();
    std::string line = p.account + ": " + p.phase + ", " + std::to_string(messages) +
                       (messages == 1 ? " message, " : " messages, ") +
                       amount(static_cast<double>(octets));
    if (seconds >= 1 && octets > 0)
        line += ", " + amount(static_cast<double>(octets) / seconds) + "/s";
    line += current;
    if (line.size() > width) line.resize(width);
    return line;
}

Progress& StatusLine::add(std::string account) {
    active_.emplace_back();
    active_.back().account = std::move(account);
    return active_.back();
}

void StatusLine::remove(const Progress& progress) {
    active_.remove_if([&](const Progress& p) { return &p == &progress; });
    clear();
}

void StatusLine::stop() {
    stopped_ = true;
    clear();
}

void StatusLine::clear() {
    if (!shown_) return;
    std::fputs("\r\x1b[K", out_);
    std::fflush(out_);
    shown_ = false;
}

void StatusLine::draw() {
    if (active_.empty()) return clear();
    winsize size{};
    std::size_t width =
        ::ioctl(::fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 1 ? size.ws_col - 1 : 79;
    std::string line = describe(active_.front(), std::chrono::steady_clock::now(), width);
    if (active_.size() > 1) line += " (+" + std::to_string(active_.size() - 1) + " more)";
    if (line.size() > width) line.resize(width);
    std::fputs(("\r\x1b[K" + line).c_str(), out_);
    std::fflush(out_);
    shown_ = true;
}

asio::awaitable<void> StatusLine::run() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!stopped_) {
        draw();
        timer.expires_after(std::chrono::milliseconds(250));
        co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    clear();
}

}  // namespace odmr::app
