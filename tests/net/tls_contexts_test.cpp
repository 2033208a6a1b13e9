#include "net/tls_contexts.h"

#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "support/scratch_dir.h"
#include "support/tls_harness.h"
#include "support/tls_pair.h"

using namespace odmr;
using namespace odmr::net;

namespace {

void write_certificate(const std::filesystem::path& file, const test::TestCertificate& identity) {
    FILE* out = std::fopen(file.c_str(), "w");
    REQUIRE(out != nullptr);
    PEM_write_X509(out, identity.certificate.get());
    (void)std::fclose(out);
}

// The name OpenSSL's hashed-directory lookup asks for: "1a2b3c4d.0".
std::string hashed_name(const test::TestCertificate& identity) {
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(identity.certificate.get()));
    return name;
}

// Sets an environment variable for one test, and puts back what was there.
struct ScopedEnv {
    std::string name;
    std::optional<std::string> old;
    ScopedEnv(std::string variable, const std::string& value) : name(std::move(variable)) {
        if (const char* was = std::getenv(name.c_str())) old = was;
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old)
            ::setenv(name.c_str(), old->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
};

Status handshake_with(asio::ssl::context& client, const test::TestCertificate& identity) {
    auto server = test::server_context(identity);
    test::TlsPair pair(*server, client);
    return pair.handshake({"localhost", {}});
}

}  // namespace

TEST_CASE("accounts with the same TLS settings share one context, other settings get their own") {
    TlsContexts contexts;
    TlsPolicy policy;
    policy.used = false;  // no trust store: this test is about sharing
    auto first = contexts.get(policy);
    auto again = contexts.get(policy);
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    CHECK(first->get() == again->get());
    TlsPolicy newer = policy;
    newer.min_version = TLS1_3_VERSION;
    auto other = contexts.get(newer);
    REQUIRE(other.ok());
    CHECK(other->get() != first->get());
    CHECK(contexts.size() == 2);
}

TEST_CASE("a CA file replaced on disk gives a new context that trusts the new CA") {
    test::ScratchDir dir;
    auto old_ca = test::make_certificate(), new_ca = test::make_certificate();
    auto ca_file = dir.path / "ca.pem";
    write_certificate(ca_file, old_ca);
    TlsContexts contexts;
    TlsPolicy policy;
    policy.ca_file = ca_file.string();
    auto before = contexts.get(policy);
    REQUIRE(before.ok());
    CHECK(handshake_with(**before, old_ca).ok());

    auto replacement = dir.path / "ca.pem.new";
    write_certificate(replacement, new_ca);
    std::filesystem::rename(replacement, ca_file);
    auto after = contexts.get(policy);
    REQUIRE(after.ok());
    CHECK(after->get() != before->get());
    CHECK(contexts.size() == 1);  // the stale one is replaced, not kept
    CHECK(handshake_with(**after, new_ca).ok());
    CHECK_FALSE(handshake_with(**after, old_ca).ok());
}

TEST_CASE("a CA file that is missing is a configuration error, every time") {
    TlsContexts contexts;
    TlsPolicy policy;
    policy.ca_file = "/nonexistent/odmr-ca.pem";
    CHECK(contexts.get(policy).error().is(Errc::config));
    CHECK(contexts.get(policy).error().is(Errc::config));
}

TEST_CASE("the system trust store is read from its hashed directory") {
    test::ScratchDir dir;
    auto ca = test::make_certificate();
    write_certificate(dir.path / hashed_name(ca), ca);
    ScopedEnv cert_dir("SSL_CERT_DIR", dir.path.string());
    ScopedEnv cert_file("SSL_CERT_FILE", (dir.path / "no-bundle.pem").string());
    ::unsetenv("SSL_CERT_FILE");  // the user named no bundle file
    auto context = make_client_context(TlsPolicy{});
    REQUIRE(context.ok());
    CHECK(handshake_with(**context, ca).ok());
    CHECK_FALSE(handshake_with(**context, test::make_certificate()).ok());
}

TEST_CASE("a bundle file the user names with SSL_CERT_FILE is still read") {
    test::ScratchDir dir, empty;
    auto ca = test::make_certificate();
    write_certificate(dir.path / "bundle.pem", ca);
    ScopedEnv cert_dir("SSL_CERT_DIR", empty.path.string());
    ScopedEnv cert_file("SSL_CERT_FILE", (dir.path / "bundle.pem").string());
    auto context = make_client_context(TlsPolicy{});
    REQUIRE(context.ok());
    CHECK(handshake_with(**context, ca).ok());
}
