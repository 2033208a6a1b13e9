// --print-config: each account's effective options in the configuration
// file's own format, each with where it came from ("default", "FILE:LINE",
// "command line"), secrets hidden. Nothing is read but the option files:
// no password source is tried.
#pragma once

#include <string>

#include "app/account_files.h"

namespace odmr::app {

std::string print_config(const LayeredOptions& account);

}  // namespace odmr::app
