#include "sasl/scram.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <charconv>

#include "sasl/gs2.h"
#include "sasl/saslprep.h"
#include "util/base64.h"
#include "util/text.h"

namespace odmr::sasl {
namespace {

using Bytes = std::vector<unsigned char>;

// Key material that is wiped when it goes out of scope.
struct Wiped {
    Bytes bytes;
    ~Wiped() { sodium_memzero(bytes.data(), bytes.size()); }
};

const EVP_MD* digest_of(ScramHash hash) {
    return hash == ScramHash::sha1 ? EVP_sha1() : EVP_sha256();
}

Bytes hmac(const EVP_MD* md, const Bytes& key, std::string_view data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned length = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    out.resize(length);
    return out;
}

Bytes digest(const EVP_MD* md, const Bytes& data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned length = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr);
    out.resize(length);
    return out;
}

std::string_view as_text(const Bytes& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string random_nonce() {
    unsigned char raw[24];
    randombytes_buf(raw, sizeof raw);
    return base64::encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

struct ServerFirst {
    std::string nonce;
    std::string salt;
    unsigned iterations = 0;
    std::optional<std::string> error;  // e=: the server refused, and why (then nothing else)
};

Error malformed(std::string_view what) {
    return make_error(Errc::protocol,
                      "malformed SCRAM message from the provider: " + std::string(what));
}

Result<ServerFirst> parse_server_first(std::string_view message) {
    ServerFirst out;
    bool salt_seen = false;
    for (const auto& attribute : text::split(message, ',')) {
        if (attribute.size() < 2 || attribute[1] != '=') return malformed("attribute without '='");
        std::string_view value = std::string_view(attribute).substr(2);
        switch (attribute[0]) {
            case 'm':
                return make_error(Errc::protocol,
                                  "the provider requires a SCRAM extension "
                                  "we do not know (m=)");
            case 'e':
                out.error = std::string(value);
                return out;
            case 'r':
                out.nonce = value;
                break;
            case 's': {
                auto salt = base64::decode(value);
                if (!salt || salt->empty()) return malformed("bad salt");
                out.salt = std::move(*salt);
                salt_seen = true;
                break;
            }
            case 'i': {
                auto [end, ec] =
                    std::from_chars(value.data(), value.data() + value.size(), out.iterations);
                if (ec != std::errc() || end != value.data() + value.size() || value.empty())
                    return malformed("bad iteration count");
                break;
            }
            default:
                break;  // extensions we may ignore
        }
    }
    if (out.nonce.empty() || !salt_seen || out.iterations == 0)
        return malformed("nonce, salt or iteration count missing");
    return out;
}

}  // namespace

Scram::Scram(ScramHash hash, bool plus, Credentials credentials, Connection connection,
             std::string client_nonce)
    : hash_(hash),
      plus_(plus),
      name_(std::string(hash == ScramHash::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256") +
            (plus ? "-PLUS" : "")),
      credentials_(std::move(credentials)),
      connection_(std::move(connection)),
      client_nonce_(client_nonce.empty() ? random_nonce() : std::move(client_nonce)) {}

Scram::~Scram() {
    sodium_memzero(server_signature_.data(), server_signature_.size());
}

std::string Scram::gs2_header() const {
    if (plus_) return "p=" + connection_.binding.type + ",,";
    // "y": we could bind but the server does not seem to; a server that does
    // support it then knows someone removed -PLUS from its list.
    if (!connection_.binding.type.empty() && !connection_.server_offers_binding) return "y,,";
    return "n,,";
}

Result<std::optional<std::string>> Scram::initial_response() {
    if (step_ != 0) return make_error(Errc::software, "SCRAM started twice");
    if (plus_ && connection_.binding.type.empty())
        return make_error(Errc::auth_unavailable,
                          name_ + " needs channel binding data, which this connection lacks");
    auto user = saslprep(credentials_.authcid, "user name");
    if (!user) return user.error();
    client_first_bare_ = "n=" + saslname(*user) + ",r=" + client_nonce_;
    step_ = 1;
    return std::optional<std::string>(gs2_header() + client_first_bare_);
}

Result<std::string> Scram::respond(std::string_view challenge) {
    switch (step_) {
        case 0: {  // the server asked for our first message with an empty challenge
            auto first = initial_response();
            if (!first) return first.error();
            return std::move(**first);
        }
        case 1:
            step_ = 2;
            return client_final(challenge);
        case 2: {
            step_ = 3;
            if (auto verified = verify_server_final(challenge); !verified) return verified.error();
            return std::string();  // RFC 4954: an empty answer to the server's last message
        }
        default:
            return make_error(Errc::protocol, "unexpected challenge after the end of " + name_);
    }
}

// `value` is the provider's: shown only as server_said() makes it (printable, bounded).
Error Scram::server_error(std::string_view value) {
    std::string said = server_said(value);
    diagnostic_ = "e=" + said;
    std::string why = "the provider refused " + name_ + ": " + said;
    if (value == "channel-bindings-dont-match")
        return make_error(Errc::protocol,
                          why +
                              " (our TLS session is not the provider's: something between us "
                              "intercepts TLS, or the provider is an impostor)");
    if (value == "server-does-support-channel-binding")
        return make_error(Errc::protocol, why +
                                              " (someone removed -PLUS from the provider's "
                                              "list of mechanisms: a downgrade attack)");
    if (value == "unsupported-channel-binding-type")
        return make_error(Errc::auth_unavailable, why + " (" + connection_.binding.type +
                                                      "; another type may work, see "
                                                      "--channel-binding)");
    return make_error(Errc::auth_rejected, why);
}

Result<std::string> Scram::client_final(std::string_view server_first) {
    auto parsed = parse_server_first(server_first);
    if (!parsed) return parsed.error();
    if (parsed->error) return server_error(*parsed->error);
    if (!parsed->nonce.starts_with(client_nonce_) || parsed->nonce.size() == client_nonce_.size())
        return make_error(Errc::protocol, "the provider's SCRAM nonce does not extend ours");
    if (parsed->iterations < min_iterations || parsed->iterations > max_iterations)
        return make_error(Errc::protocol, "the provider asks for " +
                                              std::to_string(parsed->iterations) +
                                              " SCRAM iterations; refusing anything outside " +
                                              std::to_string(min_iterations) + ".." +
                                              std::to_string(max_iterations) +
                                              " (too few would make our proof cheap to crack)");
    if (credentials_.password == nullptr)
        return make_error(Errc::software, "SCRAM without a password");
    auto password =
        credentials_.password->with([](std::string_view p) { return saslprep(p, "password"); });
    if (!password) return password.error();

    const EVP_MD* md = digest_of(hash_);
    Wiped salted{Bytes(static_cast<std::size_t>(EVP_MD_get_size(md)))};
    bool ok = PKCS5_PBKDF2_HMAC(password->data(), static_cast<int>(password->size()),
                                reinterpret_cast<const unsigned char*>(parsed->salt.data()),
                                static_cast<int>(parsed->salt.size()),
                                static_cast<int>(parsed->iterations), md,
                                static_cast<int>(salted.bytes.size()), salted.bytes.data()) == 1;
    wipe(*password);
    if (!ok) return make_error(Errc::software, "PBKDF2 failed");

    std::string binding = gs2_header();
    if (plus_) binding += connection_.binding.data;
    std::string without_proof = "c=" + base64::encode(binding) + ",r=" + parsed->nonce;
    std::string auth_message =
        client_first_bare_ + "," + std::string(server_first) + "," + without_proof;

    Wiped client_key{hmac(md, salted.bytes, "Client Key")};
    Wiped stored_key{digest(md, client_key.bytes)};
    Wiped signature{hmac(md, stored_key.bytes, auth_message)};
    Wiped proof{client_key.bytes};
    for (std::size_t i = 0; i < proof.bytes.size(); ++i) proof.bytes[i] ^= signature.bytes[i];
    Wiped server_key{hmac(md, salted.bytes, "Server Key")};
    server_signature_ = hmac(md, server_key.bytes, auth_message);
    return without_proof + ",p=" + base64::encode(as_text(proof.bytes));
}

Status Scram::verify_server_final(std::string_view server_final) {
    auto value = server_final.substr(std::min<std::size_t>(2, server_final.size()));
    if (server_final.starts_with("e=")) return server_error(value);
    auto received = server_final.starts_with("v=") ? base64::decode(value) : std::nullopt;
    if (!received) return malformed("expected v= or e= in the final message");
    if (received->size() != server_signature_.size() ||
        sodium_memcmp(received->data(), server_signature_.data(), server_signature_.size()) != 0)
        return make_error(Errc::protocol,
                          "the provider's " + name_ +
                              " server signature is wrong: it does not know our password, so "
                              "it may be an impostor; stopping before ATRN");
    verified_ = true;
    return {};
}

Status Scram::finish() {
    if (verified_) return {};
    return make_error(Errc::protocol,
                      "the provider accepted " + name_ +
                          " without proving that it knows our password (no server signature): "
                          "it may be an impostor; stopping before ATRN");
}

}  // namespace odmr::sasl
