#include "deliver/child_process.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::deliver;
using namespace std::chrono_literals;

namespace {

ChildResult run(std::vector<std::string> argv, Duration timeout = 10s,
                std::vector<std::string> environment = {}) {
    auto pipe = make_pipe();
    REQUIRE(pipe.ok());
    auto child =
        ChildProcess::spawn(argv, {-1, pipe->second.get(), pipe->second.get()}, environment);
    REQUIRE(child.ok());
    pipe->second.reset();
    return test::run(wait_collecting(*child, std::move(pipe->first), timeout));
}

}  // namespace

TEST_CASE("a program's exit status and output are collected") {
    auto result = run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK_FALSE(result.exit.timed_out);
    CHECK(WIFEXITED(result.exit.status));
    CHECK(WEXITSTATUS(result.exit.status) == 3);
    CHECK(result.output == "out\nerr\n");
    CHECK(result.exit.describe() == "exit status 3");
}

TEST_CASE("argv[0] is found in PATH and arguments reach the program unchanged, without a shell") {
    auto result = run({"printf", "%s|", "a b", "$HOME", "*"});
    CHECK(result.output == "a b|$HOME|*|");
}

TEST_CASE("extra environment variables replace ours") {
    auto result = run({"/bin/sh", "-c", "echo \"$SENDER/$PATH_IS_SET\""}, 10s,
                      {"SENDER=a@b", "PATH_IS_SET=yes"});
    CHECK(result.output == "a@b/yes\n");
}

TEST_CASE("a program that outlives its time limit is killed with everything it started") {
    auto result = run({"/bin/sh", "-c", "sleep 30 & sleep 30"}, 200ms);
    CHECK(result.exit.timed_out);
    CHECK(result.exit.describe() == "timed out and was killed");
}

TEST_CASE("a signal is reported as such") {
    auto result = run({"/bin/sh", "-c", "kill -9 $$"});
    CHECK(WIFSIGNALED(result.exit.status));
    CHECK(result.exit.describe() == "killed by signal 9");
}

TEST_CASE("the child gets SIGPIPE and SIGXFSZ back at their defaults, though we ignore them") {
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGXFSZ, SIG_IGN);
    auto result = run({"/bin/sh", "-c", "grep '^SigIgn' /proc/self/status"});
    ::signal(SIGXFSZ, SIG_DFL);
    auto tab = result.output.find('\t');
    REQUIRE(tab != std::string::npos);
    unsigned long long ignored = std::stoull(result.output.substr(tab + 1), nullptr, 16);
    CHECK((ignored & (1ULL << (SIGPIPE - 1))) == 0);
    CHECK((ignored & (1ULL << (SIGXFSZ - 1))) == 0);
}

TEST_CASE("a program that does not exist cannot be spawned") {
    auto child = ChildProcess::spawn({"/nonexistent/mda"}, {});
    REQUIRE_FALSE(child.ok());
    CHECK(child.error().message().find("/nonexistent/mda") != std::string::npos);
}
