#include "app/print_config.h"

#include <doctest/doctest.h>

using namespace ::odmr::app;

TEST_CASE("--print-config: one line per key in the file format, with its origin") {
    LayeredOptions account{"example.org", "/etc/odmr-fetch/example.org.conf", {}, {}};
    account.effective = {{"domains", {"example.org", "example.com"}, "account name"},
                         {"host", {"odmr.example.net"}, "/etc/odmr-fetch/example.org.conf:1"},
                         {"timeout", {"42"}, "command line"},
                         {"serverinfo", {"false"}, "default"},
                         {"proxy", {"socks5://alice:s3cret@127.0.0.1:9050"}, "f.conf:2"}};
    std::string text = print_config(account);
    CHECK(text.starts_with("# account example.org (/etc/odmr-fetch/example.org.conf)\n"));
    CHECK(text.find("domains = [\"example.org\", \"example.com\"]") != std::string::npos);
    CHECK(text.find("host = \"odmr.example.net\"") != std::string::npos);
    CHECK(text.find("# /etc/odmr-fetch/example.org.conf:1\n") != std::string::npos);
    CHECK(text.find("timeout = 42 ") != std::string::npos);
    CHECK(text.find("serverinfo = false ") != std::string::npos);
    CHECK(text.find("socks5://alice:<hidden>@127.0.0.1:9050") != std::string::npos);
    CHECK(text.find("s3cret") == std::string::npos);
}
