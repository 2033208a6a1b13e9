// --password-command and --proxy-password-command: a program that prints a
// secret (`pass show mail/example.org`, `secret-tool lookup ...`), run the
// way msmtp's passwordeval and mbsync's PassCmd are, but without a shell:
// the command is split into words by app/command_line's rules, argv[0] is
// looked up in PATH, and standard input and the environment are ours. The
// first line it prints is the secret, read straight into guarded memory.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/secret.h"

namespace odmr::app {

inline constexpr std::chrono::seconds secret_command_timeout{30};

// Errc::config when the program cannot run, exits with a status other than
// 0, is killed, prints nothing, or is still running after `timeout` (then
// it is killed, with all it started unless standard input is a terminal:
// there it stays in our process group so that a pinentry can ask). The message names `option` and
// shows what the program wrote to standard error (its first 1,000 bytes, control characters
// replaced).
Result<Secret> run_secret_command(const std::string& command, std::string_view option,
                                  std::chrono::milliseconds timeout = secret_command_timeout);

}  // namespace odmr::app
