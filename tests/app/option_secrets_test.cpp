#include "app/option_secrets.h"

#include <doctest/doctest.h>

using namespace ::odmr::app;

TEST_CASE("a proxy URL's password is a secret and is hidden") {
    CHECK(holds_secret("proxy", "socks5://alice:pw@host:1080"));
    CHECK_FALSE(holds_secret("proxy", "socks5://alice@host"));
    CHECK_FALSE(holds_secret("proxy", "socks5://host:1080"));
    CHECK_FALSE(holds_secret("host", "a:b@c"));
    CHECK(hide_secret("proxy", "socks5://alice:p%40w@[::1]:9050") ==
          "socks5://alice:<hidden>@[::1]:9050");
    CHECK(hide_secret("proxy", "socks5://host:1") == "socks5://host:1");
}
