// A command line as written in an option (--deliver mda:..., handoff:exec:...)
// split into words the way a POSIX shell would split a simple command —
// spaces separate, '...' is literal, "..." allows \" and \\, a backslash
// escapes the next character — but nothing is expanded and no shell runs it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::app {

Result<std::vector<std::string>> split_command(std::string_view text);

}  // namespace odmr::app
