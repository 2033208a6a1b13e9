#include "app/account_files.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using ::odmr::Errc;
using namespace ::odmr::app;
namespace fs = std::filesystem;

namespace {

using Words = std::vector<std::string>;

// A private XDG_CONFIG_HOME with an odmr-fetch directory, set for the test.
struct ConfigHome {
    fs::path path;
    std::string saved;
    bool had = false;
    ConfigHome() {
        std::string pattern = (fs::temp_directory_path() / "odmr-accounts-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
        fs::create_directory(path / "odmr-fetch");
        if (const char* old = std::getenv("XDG_CONFIG_HOME")) {
            had = true;
            saved = old;
        }
        ::setenv("XDG_CONFIG_HOME", path.c_str(), 1);
    }
    ~ConfigHome() {
        if (had)
            ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
        else
            ::unsetenv("XDG_CONFIG_HOME");
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& content) const {
        auto file = path / "odmr-fetch" / name;
        std::ofstream(file) << content;
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
        return file.string();
    }
};

Options command_line(std::vector<const char*> args) {
    args.insert(args.begin(), "odmr-fetch");
    auto parsed = parse_options(static_cast<int>(args.size()), args.data());
    REQUIRE(std::holds_alternative<Options>(parsed));
    return std::get<Options>(parsed);
}

const Setting& effective(const LayeredOptions& layered, const std::string& key) {
    for (const auto& setting : layered.effective)
        if (setting.key == key) return setting;
    FAIL("no key " << key);
    throw 0;
}

}  // namespace

TEST_CASE("layers: defaults.conf < NAME.conf < command line, domains default to NAME") {
    ConfigHome home;
    home.write("defaults.conf", "host = defaults.example\ntimeout = 60\nverbose = 1\n");
    auto file = home.write("example.org.conf", "host = odmr.example.net\n");
    auto layered = layer_accounts(command_line({"--timeout", "90", "example.org"}));
    REQUIRE_MESSAGE(layered.ok(), layered.error().message());
    REQUIRE(layered->size() == 1);
    const auto& account = layered->front();
    CHECK(account.name == "example.org");
    CHECK(account.options.host == "odmr.example.net");
    CHECK(account.options.timeout == 90);
    CHECK(account.options.verbose == 1);
    CHECK(account.options.domains == Words{"example.org"});
    CHECK(effective(account, "host").origin == file + ":1");
    CHECK(effective(account, "timeout").origin == "command line");
    CHECK(effective(account, "tls").origin == "default");
}

TEST_CASE("a NAME without a file is a domain, all of them form one account") {
    ConfigHome home;
    home.write("a.example.conf", "host = h\ndomains = [a.example, b.example]\n");
    auto layered =
        layer_accounts(command_line({"--host", "x", "c.example", "a.example", "d.example"}));
    REQUIRE(layered.ok());
    REQUIRE(layered->size() == 2);
    CHECK((*layered)[0].options.domains == Words{"a.example", "b.example"});
    CHECK((*layered)[0].options.host == "x");
    CHECK((*layered)[1].name == "c.example");
    CHECK((*layered)[1].options.domains == Words{"c.example", "d.example"});
}

TEST_CASE("--all lists the account files, sorted, without defaults.conf") {
    ConfigHome home;
    home.write("defaults.conf", "host = h\n");
    home.write("b.example.conf", "");
    home.write("a.example.conf", "");
    home.write("notes.txt", "");
    CHECK(list_account_names(all_accounts_dir()).value() == Words{"a.example", "b.example"});
    CHECK(list_account_names((home.path / "absent").string()).error().is(Errc::config));
}

TEST_CASE("a setting of one password source drops another one's from a lower layer") {
    ConfigHome home;
    home.write("a.example.conf", "host = h\npassword-file = /p\n");
    auto layered = layer_accounts(command_line({"--password-command", "pass x", "a.example"}));
    REQUIRE(layered.ok());
    CHECK(layered->front().options.password_file.empty());
    CHECK(layered->front().options.password_command == "pass x");
    home.write("b.example.conf", "host = h\npassword-file = /p\npassword-command = pass x\n");
    auto both = layer_accounts(command_line({"b.example"}));
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().is(Errc::config));
}

TEST_CASE("errors in a file name file:line and are configuration errors") {
    ConfigHome home;
    auto file = home.write("a.example.conf", "host = h\nmax-sessions = 0\n");
    auto bad_value = layer_accounts(command_line({"a.example"}));
    REQUIRE_FALSE(bad_value.ok());
    CHECK(bad_value.error().is(Errc::config));
    CHECK(bad_value.error().detail.starts_with(file + ":2: "));
    home.write("a.example.conf", "host = h\nall = true\n");
    CHECK(layer_accounts(command_line({"a.example"})).error().detail.starts_with(file + ":2: "));
    home.write("a.example.conf", "host = h\ndeliver = bogus:x\npassword-file = /p\n");
    auto resolved = resolve_accounts(command_line({"a.example"}));
    REQUIRE_FALSE(resolved.ok());
    CHECK(resolved.error().is(Errc::config));
    CHECK(resolved.error().detail.starts_with(file + ":2: "));
}
