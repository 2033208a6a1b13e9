#include "odmr/customer.h"

#include "smtp/client.h"
#include "util/base64.h"
#include "util/secret.h"
#include "util/text.h"

namespace odmr::odmr {
namespace {

Error reply_error(const smtp::Reply& reply, const std::string& during) {
    std::string what = during + ": the provider answered " + reply.summary();
    if (reply.category() == 4) return make_error(Errc::temporary, what);
    if (reply.category() == 5) return make_error(Errc::permanent, what);
    return make_error(Errc::protocol, what);
}

}  // namespace

Customer::Customer(net::Reader& reader, const CustomerConfig& config, const Log& log)
    : reader_(reader), config_(config), log_(log), client_(reader, log) {}

asio::awaitable<Result<Negotiation>> Customer::negotiate() {
    auto& stream = reader_.stream();
    if (config_.tls == TlsMode::implicit) {
        if (auto shaken =
                co_await stream.handshake(config_.server_name, true, config_.command_timeout);
            !shaken)
            co_return shaken.error();
        auto info = stream.tls_info();
        log_.info("TLS established: " + info.version + " " + info.cipher);
    }
    auto greeting = co_await client_.read_reply(config_.command_timeout);
    if (!greeting) co_return greeting.error();
    if (greeting->code != 220) co_return reply_error(*greeting, "greeting");

    auto capabilities = co_await ehlo();
    if (!capabilities) co_return capabilities.error();

    if (config_.tls == TlsMode::starttls) {
        if (!capabilities->has("STARTTLS"))
            co_return make_error(
                Errc::tls,
                "the provider does not offer STARTTLS; refusing to send credentials "
                "without TLS (use --tls none to allow this)");
        if (auto secured = co_await starttls(); !secured) co_return secured.error();
        capabilities = co_await ehlo();
        if (!capabilities) co_return capabilities.error();
    }
    if (!capabilities->has("ATRN"))
        log_.info("the provider does not advertise ATRN; trying it anyway");
    if (auto authenticated = co_await authenticate(*capabilities); !authenticated)
        co_return authenticated.error();
    co_return co_await atrn(std::move(*capabilities));
}

asio::awaitable<Result<smtp::Capabilities>> Customer::ehlo() {
    auto reply = co_await client_.command("EHLO " + config_.helo_name, config_.command_timeout);
    if (!reply) co_return reply.error();
    if (reply->code != 250) co_return reply_error(*reply, "EHLO");
    co_return smtp::Capabilities(*reply);
}

asio::awaitable<Status> Customer::starttls() {
    auto reply = co_await client_.command("STARTTLS", config_.command_timeout);
    if (!reply) co_return reply.error();
    if (reply->code != 220) co_return reply_error(*reply, "STARTTLS");
    // Anything already buffered was sent before TLS and cannot be trusted: a
    // man in the middle may have injected it (CVE-2011-0411 and kin).
    if (!reader_.buffered().empty())
        co_return make_error(Errc::protocol,
                             "the provider sent data after its STARTTLS reply, before the TLS "
                             "handshake (possible command injection); refusing to continue");
    auto& stream = reader_.stream();
    if (auto shaken = co_await stream.handshake(config_.server_name, true, config_.command_timeout);
        !shaken)
        co_return shaken.error();
    auto info = stream.tls_info();
    log_.info("TLS established: " + info.version + " " + info.cipher);
    co_return Status{};
}

asio::awaitable<Status> Customer::authenticate(const smtp::Capabilities& capabilities) {
    if (!capabilities.has("AUTH"))
        co_return make_error(Errc::auth_unavailable,
                             "the provider offers no authentication (AUTH)");
    auto name = sasl::choose_mechanism(
        capabilities.params("AUTH"),
        {config_.auth_preference, reader_.stream().tls_active(), config_.allow_plaintext_auth});
    if (!name) co_return name.error();
    auto mechanism = sasl::make_mechanism(*name, config_.credentials);
    log_.info("authenticating as " + config_.credentials.authcid + " with " + *name);

    std::string line = "AUTH " + *name;
    std::string shown = line;
    if (auto initial = mechanism->initial_response()) {
        line += ' ';
        line += initial->empty() ? "=" : base64::encode(*initial);
        shown += " <redacted>";
        wipe(*initial);
    }
    auto reply = co_await client_.command(line, config_.command_timeout, shown);
    wipe(line);
    for (int round = 0; reply && reply->code == 334 && round < 10; ++round) {
        auto challenge = base64::decode(reply->lines.empty() ? "" : reply->lines.front());
        if (!challenge) {
            co_await client_.command("*", config_.command_timeout);
            co_return make_error(Errc::protocol, "the provider sent a malformed SASL challenge");
        }
        auto response = mechanism->respond(*challenge);
        if (!response) {
            co_await client_.command("*", config_.command_timeout);
            co_return response.error();
        }
        std::string encoded = base64::encode(*response);
        wipe(*response);
        reply = co_await client_.command(encoded, config_.command_timeout, "<redacted>");
        wipe(encoded);
    }
    if (!reply) co_return reply.error();
    if (reply->code == 235) co_return Status{};
    std::string what = "authentication as " + config_.credentials.authcid + " with " + *name +
                       " failed: the provider answered " + reply->summary();
    if (reply->category() == 4) co_return make_error(Errc::temporary, what);
    co_return make_error(Errc::auth_rejected, what);
}

asio::awaitable<Result<Negotiation>> Customer::atrn(smtp::Capabilities capabilities) {
    std::string domains;
    for (const auto& d : config_.domains) domains += (domains.empty() ? "" : ",") + d;
    std::string line = domains.empty() ? "ATRN" : "ATRN " + domains;
    auto reply = co_await client_.command(line, config_.atrn_timeout);
    if (!reply) co_return reply.error();
    Negotiation result{Outcome::no_mail, std::move(capabilities), *reply};
    switch (reply->code) {
        case 250:
            result.outcome = Outcome::mail_follows;
            co_return result;
        case 453:
            co_return result;
        case 530:
            co_return make_error(Errc::auth_rejected, "ATRN refused: " + reply->summary());
        default:
            co_return reply_error(*reply, "ATRN");
    }
}

asio::awaitable<void> Customer::quit() {
    auto reply = co_await client_.command("QUIT", std::chrono::seconds(10));
    (void)reply;  // the session is over either way
}

}  // namespace odmr::odmr
