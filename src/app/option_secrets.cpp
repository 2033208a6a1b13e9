#include "app/option_secrets.h"

namespace odmr::app {

namespace {

// The position and length of the password in "scheme://user:password@host",
// or npos when there is none.
std::pair<std::size_t, std::size_t> url_password(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {std::string_view::npos, 0};
    auto start = scheme + 3;
    auto at = url.rfind('@');
    if (at == std::string_view::npos || at < start) return {std::string_view::npos, 0};
    auto colon = url.find(':', start);
    if (colon == std::string_view::npos || colon > at || colon + 1 == at)
        return {std::string_view::npos, 0};
    return {colon + 1, at - colon - 1};
}

}  // namespace

bool holds_secret(std::string_view key, std::string_view value) {
    return key == "proxy" && url_password(value).first != std::string_view::npos;
}

std::string hide_secret(std::string_view key, std::string_view value) {
    std::string shown(value);
    if (key != "proxy") return shown;
    auto [start, length] = url_password(value);
    if (start != std::string_view::npos) shown.replace(start, length, "<hidden>");
    return shown;
}

}  // namespace odmr::app
