#include "app/version.h"

#include <openssl/crypto.h>
#include <sodium.h>

#include <doctest/doctest.h>

using namespace ::odmr::app;

TEST_CASE("--version names the release, the commit and each library built with and run with") {
    const std::string text = version_text();
    CHECK(text.starts_with("odmr-fetch " ODMR_FETCH_VERSION "\n"));
    CHECK(text.find("commit:    " + std::string(build_commit())) != std::string::npos);
    CHECK(text.find(std::string("runs with ") + OpenSSL_version(OPENSSL_VERSION)) !=
          std::string::npos);
    CHECK(text.find(std::string("runs with ") + sodium_version_string()) != std::string::npos);
    CHECK(text.find("asio:      1.") != std::string::npos);
}

TEST_CASE("the commit is a git description or \"unknown\", never empty") {
    const std::string_view commit = build_commit();
    CHECK_FALSE(commit.empty());
    CHECK(commit.find_first_of(" \n") == std::string_view::npos);
}
