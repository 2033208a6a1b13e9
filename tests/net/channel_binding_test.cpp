// Channel binding data as the client computes it must equal what an
// independent server (OpenSSL's server side) computes for the same session;
// SCRAM-PLUS then carries exactly that data.
#include "net/channel_binding.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <string>

#include "sasl/scram.h"
#include "support/tls_harness.h"
#include "support/tls_pair.h"
#include "util/base64.h"

using namespace odmr;
using namespace odmr::net;

namespace {

std::string server_exporter(SSL* ssl) {
    std::string out(32, '\0');
    const char label[] = "EXPORTER-Channel-Binding";
    REQUIRE(SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()),
                                       out.size(), label, sizeof label - 1, nullptr, 0, 0) == 1);
    return out;
}

// What a server sees as tls-unique: the client's Finished (a full handshake).
std::string server_unique(SSL* ssl) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    out.resize(SSL_get_peer_finished(ssl, out.data(), out.size()));
    return out;
}

std::string certificate_sha256(X509* certificate) {
    std::string out(32, '\0');
    unsigned length = 0;
    X509_digest(certificate, EVP_sha256(), reinterpret_cast<unsigned char*>(out.data()), &length);
    return out;
}

struct Session {
    test::TestCertificate identity = test::make_certificate();
    std::unique_ptr<asio::ssl::context> server;
    std::unique_ptr<asio::ssl::context> client = test::client_context(identity);
    std::unique_ptr<test::TlsPair> pair;

    explicit Session(int max_version = 0) : server(test::server_context(identity, max_version)) {
        pair = std::make_unique<test::TlsPair>(*server, *client);
        auto result = pair->handshake({"localhost", {}});
        REQUIRE_MESSAGE(result.ok(), result.error().message());
    }
    ChannelBinding binding(BindingType type) {
        auto data = pair->client().channel_binding(type);
        REQUIRE_MESSAGE(data.ok(), data.error().message());
        return *data;
    }
};

}  // namespace

TEST_CASE("binding type names") {
    CHECK(parse_binding_type("tls-exporter").value() == BindingType::tls_exporter);
    CHECK(parse_binding_type("auto").value() == BindingType::automatic);
    CHECK(binding_name(BindingType::tls_server_end_point) == "tls-server-end-point");
    CHECK(parse_binding_type("tls-foo").error().is(Errc::usage));
}

TEST_CASE("tls-exporter on TLS 1.3 equals the server's exported keying material") {
    Session session;
    auto data = session.binding(BindingType::tls_exporter);
    CHECK(data.type == "tls-exporter");
    CHECK(data.data.size() == 32);
    CHECK(data.data == server_exporter(session.pair->server_ssl()));
    CHECK(session.binding(BindingType::automatic).type == "tls-exporter");
}

TEST_CASE("tls-exporter works on TLS 1.2 with the extended master secret") {
    Session session(TLS1_2_VERSION);
    REQUIRE(session.pair->client().tls_info().version == "TLSv1.2");
    CHECK(session.binding(BindingType::tls_exporter).data ==
          server_exporter(session.pair->server_ssl()));
}

TEST_CASE("tls-unique on TLS 1.2 is the client's Finished message, as the server sees it") {
    Session session(TLS1_2_VERSION);
    auto data = session.binding(BindingType::tls_unique);
    CHECK(data.type == "tls-unique");
    CHECK(data.data.size() == 12);
    CHECK(data.data == server_unique(session.pair->server_ssl()));
    CHECK(session.binding(BindingType::automatic).type == "tls-unique");
}

TEST_CASE("tls-unique is refused on TLS 1.3") {
    Session session;
    auto data = session.pair->client().channel_binding(BindingType::tls_unique);
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().message().find("TLS 1.3") != std::string::npos);
}

TEST_CASE("tls-server-end-point is the SHA-256 of the server certificate") {
    Session session;
    auto data = session.binding(BindingType::tls_server_end_point);
    CHECK(data.type == "tls-server-end-point");
    CHECK(data.data == certificate_sha256(session.identity.certificate.get()));
}

TEST_CASE("no channel binding without TLS") {
    asio::io_context io;
    auto [client_socket, server_socket] = test::loopback_pair(io);
    asio::ssl::context context(asio::ssl::context::tls_client);
    Stream stream(std::move(client_socket), context);
    CHECK_FALSE(stream.channel_binding(BindingType::automatic).ok());
}

TEST_CASE("SCRAM-SHA-256-PLUS sends the server's own tls-exporter value in c=") {
    Session session;
    auto data = session.binding(BindingType::automatic);
    Secret password("pencil");
    sasl::Scram scram(sasl::ScramHash::sha256, true, {"user", &password},
                      {{data.type, data.data}, true}, "nonce");
    auto first = scram.initial_response();
    REQUIRE(first.ok());
    CHECK(**first == "p=tls-exporter,,n=user,r=nonce");
    auto final = scram.respond("r=nonce+server,s=QSXCR+Q6sek8bf92,i=4096");
    REQUIRE(final.ok());
    std::string expected =
        base64::encode("p=tls-exporter,," + server_exporter(session.pair->server_ssl()));
    CHECK(final->starts_with("c=" + expected + ","));
}
