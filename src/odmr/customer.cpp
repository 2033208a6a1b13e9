#include "odmr/customer.h"

#include <algorithm>

#include "smtp/client.h"
#include "util/base64.h"
#include "util/secret.h"
#include "util/text.h"

namespace odmr::atrn {
namespace {

Error reply_error(const smtp::Reply& reply, const std::string& during) {
    std::string what = during + ": the provider answered " + reply.summary();
    if (reply.category() == 4) return make_error(Errc::temporary, what);
    if (reply.category() == 5) return make_error(Errc::permanent, what);
    return make_error(Errc::protocol, what);
}

bool offers(const std::vector<std::string>& offered, std::string_view name) {
    return std::any_of(offered.begin(), offered.end(),
                       [&](const std::string& o) { return text::iequals(o, name); });
}

}  // namespace

Customer::Customer(net::Reader& reader, const CustomerConfig& config, const Log& log)
    : reader_(reader), config_(config), log_(log), client_(reader, log) {}

asio::awaitable<Result<Negotiation>> Customer::negotiate() {
    auto introduction = co_await open();
    if (!introduction) co_return introduction.error();
    const auto& capabilities = introduction->capabilities;
    if (!capabilities.has("ATRN"))
        log_.info("the provider does not advertise ATRN; trying it anyway");
    if (auto authenticated = co_await authenticate(capabilities); !authenticated)
        co_return authenticated.error();
    co_return co_await atrn(std::move(introduction->capabilities));
}

asio::awaitable<Result<Introduction>> Customer::open() {
    if (config_.tls == TlsMode::implicit) {
        if (auto shaken = co_await handshake(); !shaken) co_return shaken.error();
    }
    Introduction out;
    auto greeting = co_await client_.read_reply(limit(config_.command_timeout));
    if (!greeting) co_return greeting.error();
    if (greeting->code != 220) co_return reply_error(*greeting, "greeting");
    out.greeting = std::move(*greeting);

    auto reply = co_await ehlo();
    if (!reply) co_return reply.error();
    smtp::Capabilities capabilities(*reply);
    bool wants_starttls =
        config_.tls == TlsMode::starttls || config_.tls == TlsMode::starttls_optional;
    if (wants_starttls && !capabilities.has("STARTTLS")) {
        if (config_.tls == TlsMode::starttls)
            co_return make_error(
                Errc::tls,
                "the provider does not offer STARTTLS; refusing to send credentials "
                "without TLS (--tls starttls-optional or --tls none would allow "
                "this)");
        log_.warning(
            "the provider does not offer STARTTLS: continuing without TLS "
            "(--tls starttls-optional); the session and the mail are not encrypted, and an "
            "attacker on the path may have removed STARTTLS to read them and to capture the "
            "authentication (CRAM-MD5 is therefore used only when --auth names it)");
    } else if (wants_starttls) {
        auto secured = co_await starttls();
        if (!secured && config_.tls == TlsMode::starttls_optional &&
            (secured.error().is(Errc::temporary) || secured.error().is(Errc::permanent))) {
            log_.warning(secured.error().message() +
                         "; continuing without TLS (--tls starttls-optional): the session and the "
                         "mail are not encrypted, and an attacker on the path may have refused "
                         "STARTTLS to read them and to capture the authentication (CRAM-MD5 is "
                         "therefore used only when --auth names it)");
        } else if (!secured) {
            co_return secured.error();
        } else {
            reply = co_await ehlo();
            if (!reply) co_return reply.error();
        }
    }
    out.capabilities = smtp::Capabilities(*reply);
    out.ehlo = std::move(*reply);
    co_return out;
}

asio::awaitable<Result<smtp::Reply>> Customer::ehlo() {
    auto reply =
        co_await client_.command("EHLO " + config_.helo_name, limit(config_.command_timeout));
    if (!reply) co_return reply.error();
    if (reply->code != 250) co_return reply_error(*reply, "EHLO");
    co_return std::move(*reply);
}

asio::awaitable<Status> Customer::starttls() {
    auto reply = co_await client_.command("STARTTLS", limit(config_.command_timeout));
    if (!reply) co_return reply.error();
    if (reply->code != 220) co_return reply_error(*reply, "STARTTLS");
    // Anything already buffered was sent before TLS and cannot be trusted: a
    // man in the middle may have injected it (CVE-2011-0411 and kin).
    if (!reader_.buffered().empty())
        co_return make_error(Errc::protocol,
                             "the provider sent data after its STARTTLS reply, before the TLS "
                             "handshake (possible command injection); refusing to continue");
    co_return co_await handshake();
}

asio::awaitable<Status> Customer::handshake() {
    auto& stream = reader_.stream();
    net::PeerCheck peer{config_.server_name, config_.tls_pins};
    if (auto shaken = co_await stream.handshake(peer, limit(config_.command_timeout)); !shaken)
        co_return shaken.error();
    auto info = stream.tls_info();
    std::string how = config_.tls_pins.empty() ? "verified" : "pinned";
    std::string subject;
    if (X509* certificate = stream.peer_certificate())
        subject =
            ", certificate " + net::describe_certificate(certificate).subject + " (" + how + ")";
    log_.info("TLS established: " + info.version + " " + info.cipher + subject);
    co_return Status{};
}

ChannelBinding Customer::binding() {
    auto& stream = reader_.stream();
    if (!stream.tls_active()) return {};
    auto data = stream.channel_binding(config_.channel_binding);
    if (!data) {
        log_.info("no channel binding: " + data.error().message());
        return {};
    }
    return std::move(*data);
}

Result<std::string> Customer::choose_mechanism(const smtp::Capabilities& capabilities) {
    return choose_mechanism(capabilities, binding());
}

Result<std::string> Customer::choose_mechanism(const smtp::Capabilities& capabilities,
                                               const ChannelBinding& binding) const {
    if (!capabilities.has("AUTH"))
        return make_error(Errc::auth_unavailable, "the provider offers no authentication (AUTH)");
    bool tls = reader_.stream().tls_active();
    sasl::Choice choice{config_.auth_preference, tls, config_.allow_plaintext_auth,
                        !binding.type.empty(), config_.client_certificate};
    choice.tls_stripped = config_.tls == TlsMode::starttls_optional && !tls;
    return sasl::choose_mechanism(capabilities.params("AUTH"), choice);
}

asio::awaitable<Status> Customer::authenticate(const smtp::Capabilities& capabilities) {
    sasl::Connection connection{binding(), false};
    auto name = choose_mechanism(capabilities, connection.binding);
    if (!name) co_return name.error();
    auto offered = capabilities.params("AUTH");
    auto plus = sasl::plus_variant(*name);
    connection.server_offers_binding =
        name->ends_with("-PLUS") || (!plus.empty() && offers(offered, plus));
    auto mechanism = sasl::make_mechanism(*name, config_.credentials, connection);
    std::string bound =
        name->ends_with("-PLUS") ? " (channel binding " + connection.binding.type + ")" : "";
    log_.info("authenticating as " + config_.credentials.authcid + " with " + *name + bound);

    auto initial = mechanism->initial_response();
    if (!initial) co_return initial.error();
    std::string line = "AUTH " + *name;
    std::string shown = line;
    if (initial->has_value()) {
        line += ' ';
        line += (*initial)->empty() ? "=" : base64::encode(**initial);
        shown += " <redacted>";
        wipe(**initial);
    }
    auto reply = co_await converse(*mechanism, std::move(line), std::move(shown));
    if (!reply) co_return reply.error();
    if (reply->code == 235) {
        mechanism_ = *name;
        co_return mechanism->finish();
    }
    std::string what = "authentication as " + config_.credentials.authcid + " with " + *name +
                       " failed: the provider answered " + reply->summary();
    if (auto said = mechanism->diagnostic(); !said.empty()) what += " (and said: " + said + ")";
    if (reply->category() == 4) co_return make_error(Errc::temporary, what);
    co_return make_error(Errc::auth_rejected, what);
}

// Sends the AUTH line, then answers challenges until the provider's verdict.
asio::awaitable<Result<smtp::Reply>> Customer::converse(sasl::Mechanism& mechanism,
                                                        std::string line, std::string shown) {
    auto reply = co_await client_.command(line, limit(config_.command_timeout), shown);
    wipe(line);
    for (int round = 0; reply && reply->code == 334 && round < 10; ++round) {
        auto challenge = base64::decode(reply->lines.empty() ? "" : reply->lines.front());
        if (!challenge) {
            co_await client_.command("*", limit(config_.command_timeout));
            co_return make_error(Errc::protocol, "the provider sent a malformed SASL challenge");
        }
        auto response = mechanism.respond(*challenge);
        if (!response) {
            co_await client_.command("*", limit(config_.command_timeout));  // cancel (RFC 4954 §4)
            co_return response.error();
        }
        std::string encoded = base64::encode(*response);
        wipe(*response);
        reply = co_await client_.command(encoded, limit(config_.command_timeout), "<redacted>");
        wipe(encoded);
    }
    co_return reply;
}

asio::awaitable<Result<Negotiation>> Customer::atrn(smtp::Capabilities capabilities) {
    std::string domains;
    for (const auto& d : config_.domains) domains += (domains.empty() ? "" : ",") + d;
    std::string line = domains.empty() ? "ATRN" : "ATRN " + domains;
    auto reply = co_await client_.command(line, limit(config_.atrn_timeout));
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
    auto reply = co_await client_.command("QUIT", limit(std::chrono::seconds(10)));
    (void)reply;  // the session is over either way
}

asio::awaitable<void> Customer::quit_after(const Error& failure) {
    if (failure.is(Errc::connection_lost) || failure.is(Errc::timeout) || failure.is(Errc::tls))
        co_return;
    co_await quit();
}

}  // namespace odmr::atrn
