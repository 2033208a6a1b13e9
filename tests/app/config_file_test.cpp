#include "app/config_file.h"

#include <doctest/doctest.h>

using ::odmr::Errc;
using namespace ::odmr::app;

using Words = std::vector<std::string>;

TEST_CASE("a config file is key = value lines that remember their line") {
    auto settings = parse_config_text(
        "# comment\n\nhost = \"odmr.example.net\"  # the provider\r\ntimeout=120\n"
        "domains = [\"example.org\", 'example.com']\ndeliver = mda:procmail -a x\n",
        "f.conf");
    REQUIRE_MESSAGE(settings.ok(), settings.error().message());
    REQUIRE(settings->size() == 4);
    CHECK((*settings)[0].key == "host");
    CHECK((*settings)[0].values == Words{"odmr.example.net"});
    CHECK((*settings)[0].origin == "f.conf:3");
    CHECK((*settings)[1].values == Words{"120"});
    CHECK((*settings)[2].values == Words{"example.org", "example.com"});
    CHECK((*settings)[3].values == Words{"mda:procmail -a x"});
    CHECK((*settings)[3].origin == "f.conf:6");
}

TEST_CASE("a '#' inside quotes or a word is not a comment") {
    auto settings = parse_config_text("auth = \"A#B\"\nhelo-name = a#b\n", "f");
    REQUIRE(settings.ok());
    CHECK((*settings)[0].values == Words{"A#B"});
    CHECK((*settings)[1].values == Words{"a#b"});
}

TEST_CASE("syntax errors name the file and line and never repeat the value") {
    for (const char* text :
         {"host = h\nproxy socks5://alice:PASSWORD@h\n",
          "host = h\nproxy = \"socks5://alice:PASSWORD@h\n", "host = h\n[section]\n",
          "host = h\nHost = x\n", "host = h\nhost = x\n", "host = h\nproxy = [\"a:PASSWORD\"\n"}) {
        CAPTURE(text);
        auto settings = parse_config_text(text, "/etc/odmr-fetch/a.conf");
        REQUIRE_FALSE(settings.ok());
        CHECK(settings.error().is(Errc::config));
        CHECK(settings.error().detail.starts_with("/etc/odmr-fetch/a.conf:2: "));
        CHECK(settings.error().detail.find("PASSWORD") == std::string::npos);
    }
}

TEST_CASE("an empty file has no settings") {
    auto settings = parse_config_text("", "f");
    REQUIRE(settings.ok());
    CHECK(settings->empty());
}
