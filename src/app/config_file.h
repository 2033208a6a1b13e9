// Account and configuration files (odmr-fetch.conf(5)): "key = value" lines
// in CLI11's TOML-like format, read into settings that remember the line
// they came from, so that every error and --print-config can name it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::app {

// One option as given: its long name, its value(s), and where it was given
// ("/path/file.conf:12", "command line" or "default").
struct Setting {
    std::string key;
    std::vector<std::string> values;
    std::string origin;
};

// Bound on a configuration file; /dev/zero or a log file is refused.
inline constexpr std::size_t max_config_size = 64 * 1024;

// Parses the text of `path`. Errors (Errc::config) say "path:line: ..." and
// never repeat a value, which may hold a secret. A key given twice is an
// error, as is a section.
Result<std::vector<Setting>> parse_config_text(std::string_view text, const std::string& path);

// Opens `path` safely (util/regular_file.h), enforces ssh's rule on who may
// write it (and read it, when it holds a secret), and parses it.
Result<std::vector<Setting>> read_config_file(const std::string& path);

}  // namespace odmr::app
