// The live status line: when stderr is a terminal (and not -q), one line
// that shows what each running account is doing (phase, messages, octets,
// rate, the current message's progress when the provider gave SIZE=),
// redrawn in place four times a second and cleared at the end and before
// every log line. Nothing of it is written when stderr is not a terminal:
// cron would mail it.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <list>
#include <string>

#include "util/log.h"

namespace odmr::smtp {
class Server;
}

namespace odmr::app {

// One account's progress, kept up to date by fetch().
struct Progress {
    std::string account;
    const char* phase = "starting";  // "connecting", "receiving", "waiting", ...
    std::size_t messages = 0;        // delivered in the sessions before this one
    std::size_t octets = 0;
    const smtp::Server* server = nullptr;  // the reversed session in progress, if any
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// What the line says about one account (pure, for the tests).
std::string describe(const Progress& progress, std::chrono::steady_clock::time_point now,
                     std::size_t width);

class StatusLine : public Log::Overlay {
  public:
    explicit StatusLine(std::FILE* out) : out_(out) {}
    ~StatusLine() override { clear(); }

    Progress& add(std::string account);
    void remove(const Progress& progress);
    void before_line() override { clear(); }

    // Redraws until stop() is called.
    asio::awaitable<void> run();
    void stop();

  private:
    void draw();
    void clear();

    std::FILE* out_;
    std::list<Progress> active_;  // stable addresses
    bool shown_ = false;
    bool stopped_ = false;
};

}  // namespace odmr::app
