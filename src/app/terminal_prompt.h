// The last resort for a password: ask the person at the terminal, without
// echo (termios), only when standard input is a terminal. The prompt goes to
// standard error; the answer goes straight into guarded memory.
#pragma once

#include <string>

#include "util/result.h"
#include "util/secret.h"

namespace odmr::app {

bool stdin_is_terminal();

// Errc::config when nothing (or only an empty line) is typed, or on end of
// input; echo is restored in every case.
Result<Secret> prompt_secret(const std::string& prompt);

}  // namespace odmr::app
