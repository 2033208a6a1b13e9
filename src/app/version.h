#pragma once

#include <string>
#include <string_view>

namespace odmr::app {

// What `odmr-fetch --version` prints: the release, the commit it was built
// from, and the libraries it was built with and runs with (they can differ
// for shared OpenSSL and libsodium). What a bug report needs, on five lines.
std::string version_text();

// The commit this binary was built from (`git describe` when it was
// configured), or "unknown" when built from a tarball.
std::string_view build_commit();

}  // namespace odmr::app
