#include "app/options.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/account_files.h"
#include "app/exit_code.h"

using namespace odmr::app;
namespace fs = std::filesystem;

namespace {

std::variant<Options, EarlyExit> parse(std::vector<const char*> args) {
    args.insert(args.begin(), "odmr-fetch");
    return parse_options(static_cast<int>(args.size()), args.data());
}

struct ConfigFile {
    fs::path path;
    explicit ConfigFile(const std::string& text) {
        std::string pattern = (fs::temp_directory_path() / "odmr-options-XXXXXX").string();
        int fd = ::mkstemp(pattern.data());
        REQUIRE(fd >= 0);
        ::close(fd);
        path = pattern;
        std::ofstream(path) << text;
    }
    ~ConfigFile() { fs::remove(path); }
};

}  // namespace

TEST_CASE("options and domains are collected as given") {
    auto parsed = parse({"--host", "odmr.example.net", "--deliver", "lmtp:unix:/run/lmtp", "-vv",
                         "example.org", "example.com"});
    REQUIRE(std::holds_alternative<Options>(parsed));
    const auto& o = std::get<Options>(parsed);
    CHECK(o.host == "odmr.example.net");
    CHECK(o.deliver == "lmtp:unix:/run/lmtp");
    CHECK(o.verbose == 2);
    CHECK(o.domains == std::vector<std::string>{"example.org", "example.com"});
}

TEST_CASE("--help prints the options and the exit status table, and exits with 0") {
    auto parsed = parse({"--help"});
    REQUIRE(std::holds_alternative<EarlyExit>(parsed));
    const auto& early = std::get<EarlyExit>(parsed);
    CHECK(early.code == 0);
    CHECK(early.text.find("--deliver") != std::string::npos);
    CHECK(early.text.find(exit_code_table()) != std::string::npos);
}

TEST_CASE("an unknown option or a value out of range is a usage error (64)") {
    for (auto args : {std::vector<const char*>{"--no-such-option"},
                      std::vector<const char*>{"--tls", "sometimes"},
                      std::vector<const char*>{"--max-sessions", "0"}}) {
        auto parsed = parse(args);
        REQUIRE(std::holds_alternative<EarlyExit>(parsed));
        CHECK(std::get<EarlyExit>(parsed).code == exit_usage);
        CHECK(std::get<EarlyExit>(parsed).text.find("--help") != std::string::npos);
    }
}

TEST_CASE("config file keys are the long options, the command line wins over the file") {
    ConfigFile config("host = odmr.example.net\ntimeout = 42\ndeliver = mda:sendmail\n");
    auto parsed = parse({"--config", config.path.c_str(), "--timeout", "7", "example.org"});
    REQUIRE(std::holds_alternative<Options>(parsed));
    // The file is read when the accounts are layered (app/account_files).
    auto layered = layer_accounts(std::get<Options>(parsed));
    REQUIRE(layered.ok());
    REQUIRE(layered->size() == 1);
    const auto& o = layered->front().options;
    CHECK(o.host == "odmr.example.net");
    CHECK(o.deliver == "mda:sendmail");
    CHECK(o.timeout == 7);
}

TEST_CASE("a missing config file or an unknown key is a configuration error (78)") {
    auto missing = parse({"--config", "/nonexistent/odmr-fetch.conf", "example.org"});
    REQUIRE(std::holds_alternative<Options>(missing));
    auto layered = layer_accounts(std::get<Options>(missing));
    REQUIRE_FALSE(layered.ok());
    CHECK(exit_code_for(layered.error()) == exit_config);
    ConfigFile config("no-such-key = 1\n");
    auto unknown = parse({"--config", config.path.c_str(), "example.org"});
    REQUIRE(std::holds_alternative<Options>(unknown));
    auto bad_key = layer_accounts(std::get<Options>(unknown));
    REQUIRE_FALSE(bad_key.ok());
    CHECK(exit_code_for(bad_key.error()) == exit_config);
}

TEST_CASE("one option table serves the command line and every layer, nothing carried over") {
    OptionTable table;
    std::vector<const char*> args{"odmr-fetch", "-vv", "--host", "odmr.example.net", "example.org"};
    auto parsed = table.parse(static_cast<int>(args.size()), args.data());
    REQUIRE(std::holds_alternative<Options>(parsed));
    CHECK(std::get<Options>(parsed).host == "odmr.example.net");
    CHECK(std::get<Options>(parsed).verbose == 2);

    Options first;
    first.verbose = 2;  // a count flag keeps its value through a layer that does not set it
    REQUIRE(table.apply(first, {{"timeout", {"90"}, "a.conf:1"}}).ok());
    CHECK(first.timeout == 90);
    CHECK(first.verbose == 2);
    CHECK(first.host.empty());  // the command line parsed before left nothing in the table

    Options second;
    REQUIRE(table.apply(second, {{"host", {"b.example"}, "command line"}}).ok());
    CHECK(second.host == "b.example");
    CHECK(second.timeout == Options{}.timeout);
    CHECK(first.host.empty());

    auto bad = table.apply(second, {{"timeout", {"0"}, "b.conf:3"}});  // out of range
    REQUIRE_FALSE(bad.ok());
    CHECK(exit_code_for(bad.error()) == exit_config);
    CHECK(second.host == "b.example");  // the caller's options came back
    Options third;
    REQUIRE(table.apply(third, {{"max-errors", {"5"}, "command line"}}).ok());
    CHECK(third.max_errors == 5);
    CHECK(third.timeout == Options{}.timeout);
}

TEST_CASE("a shared option table gives the defaults and layers of fresh ones") {
    OptionTable table;
    const auto& defaults = table.defaults();
    auto fresh = default_settings();
    REQUIRE(defaults.size() == fresh.size());
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        CHECK(defaults[i].key == fresh[i].key);
        CHECK(defaults[i].values == fresh[i].values);
    }
    ConfigFile config("host = odmr.example.net\ntimeout = 42\n");
    auto parsed = parse({"--config", config.path.c_str(), "--timeout", "7", "a.example"});
    REQUIRE(std::holds_alternative<Options>(parsed));
    for (int round = 0; round < 2; ++round) {
        auto layered = layer_accounts(std::get<Options>(parsed), table);
        REQUIRE(layered.ok());
        REQUIRE(layered->size() == 1);
        CHECK(layered->front().options.host == "odmr.example.net");
        CHECK(layered->front().options.timeout == 7);
        CHECK(layered->front().options.domains == std::vector<std::string>{"a.example"});
    }
}
