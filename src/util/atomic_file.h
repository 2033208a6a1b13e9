// Replacing a file so that a reader sees the old content or the new, never
// a mix: write a temporary file beside it, fsync, rename over, fsync the
// directory. (What node_exporter's textfile collector asks of its writers.)
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace odmr {

Status write_atomically(const std::string& path, std::string_view content, int mode = 0644);

}  // namespace odmr
