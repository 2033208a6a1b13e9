#include "app/secret_command.h"

#include <doctest/doctest.h>

using ::odmr::Errc;
using namespace ::odmr::app;
using namespace std::chrono_literals;

namespace {

std::string reveal(const odmr::Secret& secret) {
    return secret.with([](std::string_view value) { return std::string(value); });
}

}  // namespace

TEST_CASE("the first line a command prints is the secret, no shell runs it") {
    auto secret = run_secret_command("printf 'line one$HOME\\nline two\\n'", "--password-command");
    REQUIRE_MESSAGE(secret.ok(), secret.error().message());
    CHECK(reveal(*secret) == "line one$HOME");
}

TEST_CASE("a failing command is a config error that shows its stderr") {
    auto secret =
        run_secret_command("sh -c 'echo gpg: decryption failed >&2; exit 2'", "--password-command");
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().is(Errc::config));
    CHECK(secret.error().detail.find("exited with status 2") != std::string::npos);
    CHECK(secret.error().detail.find("gpg: decryption failed") != std::string::npos);
}

TEST_CASE("a command that prints nothing, or cannot run, or hangs, fails") {
    CHECK(run_secret_command("true", "--password-command").error().is(Errc::config));
    CHECK(run_secret_command("/nonexistent/prog", "--password-command").error().is(Errc::config));
    auto start = std::chrono::steady_clock::now();
    auto slow = run_secret_command("sleep 20", "--password-command", 300ms);
    REQUIRE_FALSE(slow.ok());
    CHECK(slow.error().detail.find("did not finish") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a first line over 4096 bytes is refused, not cut") {
    auto secret = run_secret_command("head -c 5000 /dev/zero", "--password-command");
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().detail.find("longer than 4096") != std::string::npos);
}
