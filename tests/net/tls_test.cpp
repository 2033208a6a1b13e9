#include "net/tls.h"

#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/tls_harness.h"
#include "support/tls_pair.h"

using namespace odmr;
using namespace odmr::net;

namespace {

bool mentions(const Error& error, std::string_view text) {
    return error.message().find(text) != std::string::npos;
}

// A directory removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "odmr-tls-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

void write_pem(const std::filesystem::path& file, const test::TestCertificate& identity,
               bool certificate, bool key, const char* passphrase = nullptr) {
    FILE* out = std::fopen(file.c_str(), "w");
    REQUIRE(out != nullptr);
    if (certificate) PEM_write_X509(out, identity.certificate.get());
    if (key) {
        const EVP_CIPHER* cipher = passphrase != nullptr ? EVP_aes_128_cbc() : nullptr;
        PEM_write_PrivateKey(out, identity.key.get(), cipher, nullptr, 0, nullptr,
                             const_cast<char*>(passphrase));
    }
    (void)std::fclose(out);
}

}  // namespace

TEST_CASE("TLS versions are 1.2 or 1.3") {
    CHECK(parse_tls_version("1.2").value() == TLS1_2_VERSION);
    CHECK(parse_tls_version("TLSv1.3").value() == TLS1_3_VERSION);
    CHECK(parse_tls_version("1.1").error().is(Errc::usage));
    CHECK_FALSE(parse_tls_version("").ok());
}

TEST_CASE("a certificate for the right name from a trusted CA is accepted") {
    auto identity = test::make_certificate();
    auto server = test::server_context(identity);
    auto client = test::client_context(identity);
    test::TlsPair pair(*server, *client);
    auto result = pair.handshake({"localhost", {}});
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(pair.client().tls_active());
    CHECK(pair.client().tls_info().version == "TLSv1.3");
    REQUIRE(pair.client().peer_certificate() != nullptr);
}

TEST_CASE("a certificate for another name is refused, with its fingerprint") {
    auto identity = test::make_certificate();
    auto server = test::server_context(identity);
    auto client = test::client_context(identity);
    test::TlsPair pair(*server, *client);
    auto result = pair.handshake({"provider.example", {}});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().is(Errc::tls));
    CHECK(mentions(result.error(), "hostname mismatch"));
    CHECK(mentions(result.error(),
                   "--tls-fingerprint sha256:" +
                       format_fingerprint(certificate_fingerprint(identity.certificate.get()))));
    CHECK_FALSE(pair.client().tls_active());
}

TEST_CASE("an unknown CA is refused unless the certificate is pinned") {
    auto identity = test::make_certificate();
    auto stranger = test::make_certificate();
    auto server = test::server_context(identity);
    auto client = test::client_context(stranger);  // trusts someone else
    {
        test::TlsPair pair(*server, *client);
        auto result = pair.handshake({"localhost", {}});
        REQUIRE_FALSE(result.ok());
        CHECK(mentions(result.error(), "verification failed"));
    }
    {
        test::TlsPair pair(*server, *client);
        auto pin = certificate_fingerprint(identity.certificate.get());
        auto result = pair.handshake({"some.other.name", {pin}});  // a pin skips the name check too
        REQUIRE_MESSAGE(result.ok(), result.error().message());
        CHECK(pair.client().tls_active());
    }
    {
        test::TlsPair pair(*server, *client);
        auto result =
            pair.handshake({"localhost", {public_key_fingerprint(identity.certificate.get())}});
        REQUIRE_MESSAGE(result.ok(), result.error().message());
    }
}

TEST_CASE("a wrong pin is refused even for a certificate a CA vouches for") {
    auto identity = test::make_certificate();
    auto stranger = test::make_certificate();
    auto server = test::server_context(identity);
    auto client = test::client_context(identity);
    test::TlsPair pair(*server, *client);
    auto result =
        pair.handshake({"localhost", {certificate_fingerprint(stranger.certificate.get())}});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().is(Errc::tls));
    CHECK(mentions(result.error(), "matches none of the pinned"));
    CHECK_FALSE(pair.client().tls_active());
}

TEST_CASE("the minimum version is enforced") {
    auto identity = test::make_certificate();
    auto server = test::server_context(identity, TLS1_2_VERSION);
    TempDir dir;
    write_pem(dir.path / "ca.pem", identity, true, false);
    TlsPolicy policy;
    policy.ca_file = (dir.path / "ca.pem").string();
    policy.min_version = TLS1_3_VERSION;
    auto client = make_client_context(policy);
    REQUIRE(client.ok());
    test::TlsPair pair(*server, **client);
    auto result = pair.handshake({"localhost", {}});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().is(Errc::tls));

    policy.min_version = TLS1_2_VERSION;
    auto lenient = make_client_context(policy);
    test::TlsPair again(*server, **lenient);
    auto ok = again.handshake({"localhost", {}});
    REQUIRE_MESSAGE(ok.ok(), ok.error().message());
    CHECK(again.client().tls_info().version == "TLSv1.2");
}

TEST_CASE("a client certificate is presented to a server that asks for one") {
    auto identity = test::make_certificate();
    auto customer = test::make_certificate("customer.example", "DNS:customer.example");
    TempDir dir;
    write_pem(dir.path / "ca.pem", identity, true, false);
    write_pem(dir.path / "client.pem", customer, true, false);
    write_pem(dir.path / "client.key", customer, false, true);
    auto server = test::server_context(identity);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(server->native_handle()),
                        customer.certificate.get());
    server->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    TlsPolicy policy{(dir.path / "ca.pem").string(), TLS1_2_VERSION,
                     (dir.path / "client.pem").string(), (dir.path / "client.key").string()};
    auto client = make_client_context(policy);
    REQUIRE_MESSAGE(client.ok(), client.error().message());
    test::TlsPair pair(*server, **client);
    auto result = pair.handshake({"localhost", {}});
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK_FALSE(pair.server_error());
    X509* seen = SSL_get0_peer_certificate(pair.server_ssl());
    REQUIRE(seen != nullptr);
    CHECK(X509_cmp(seen, customer.certificate.get()) == 0);
}

TEST_CASE("certificate and key may share one file") {
    auto customer = test::make_certificate("customer.example", "DNS:customer.example");
    TempDir dir;
    write_pem(dir.path / "both.pem", customer, true, true);
    TlsPolicy policy{"", TLS1_2_VERSION, (dir.path / "both.pem").string(), ""};
    auto client = make_client_context(policy);
    CHECK_MESSAGE(client.ok(), client.error().message());
}

TEST_CASE("client key problems are configuration errors, never a passphrase prompt") {
    auto customer = test::make_certificate("customer.example", "DNS:customer.example");
    auto other = test::make_certificate("other.example", "DNS:other.example");
    TempDir dir;
    write_pem(dir.path / "client.pem", customer, true, false);
    write_pem(dir.path / "locked.key", customer, false, true, "passphrase");
    write_pem(dir.path / "other.key", other, false, true);
    for (const char* key : {"locked.key", "other.key", "missing.key"}) {
        CAPTURE(key);
        TlsPolicy policy{"", TLS1_2_VERSION, (dir.path / "client.pem").string(),
                         (dir.path / key).string()};
        auto client = make_client_context(policy);
        REQUIRE_FALSE(client.ok());
        CHECK(client.error().is(Errc::config));
    }
    TlsPolicy missing{"", TLS1_2_VERSION, (dir.path / "nothing.pem").string(), ""};
    CHECK(make_client_context(missing).error().is(Errc::config));
}

TEST_CASE("a pinned handshake that fails for another reason does not blame the certificate") {
    auto identity = test::make_certificate();
    auto stranger = test::make_certificate();
    auto server = test::server_context(identity, TLS1_2_VERSION);
    server->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    auto client = test::client_context(stranger);  // the CA check would fail; the pin decides
    test::TlsPair pair(*server, *client);
    auto result =
        pair.handshake({"localhost", {certificate_fingerprint(identity.certificate.get())}});
    REQUIRE_FALSE(result.ok());  // the server wanted a client certificate
    CHECK(result.error().is(Errc::tls));
    CHECK(mentions(result.error(), "handshake failed"));
    CHECK_FALSE(mentions(result.error(), "verification failed"));
}
