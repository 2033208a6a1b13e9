// The commands that set up a session and a transaction's envelope. DATA and
// BDAT are in server_message.cpp.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <optional>

#include "smtp/params.h"
#include "smtp/recipient_policy.h"
#include "smtp/server.h"
#include "smtp/trace_header.h"
#include "util/text.h"

namespace odmr::smtp {
namespace {

std::string random_id() {
    std::array<unsigned char, 6> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

// RFC 6531: a non-ASCII address needs SMTPUTF8, and is then well-formed UTF-8.
std::optional<mail::Reply> check_charset(std::string_view address, bool smtputf8) {
    if (is_ascii(address) || (smtputf8 && is_utf8(address))) return std::nullopt;
    return mail::Reply{
        553, "5.6.7",
        smtputf8 ? "Malformed UTF-8 in address" : "Non-ASCII address requires SMTPUTF8"};
}

}  // namespace

asio::awaitable<Status> Server::on_helo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "HELO requires a domain");
    reset_transaction();
    discarding_chunks_ = false;
    client_name_ = argument;
    esmtp_ = false;
    enter(State::ready);
    outbox_.reply(250, "", config_.hostname);
    co_return Status{};
}

asio::awaitable<Status> Server::on_ehlo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "EHLO requires a domain");
    reset_transaction();
    discarding_chunks_ = false;
    client_name_ = argument;
    esmtp_ = true;
    enter(State::ready);
    // Never STARTTLS: the TLS session, if any, is already the provider's (and
    // Exim would send STARTTLS before every message if we offered it).
    outbox_.reply_lines(
        250, {config_.hostname + " Hello " + header_safe(argument, false), "PIPELINING",
              "SIZE " + std::to_string(config_.max_message_size), "8BITMIME", "BINARYMIME",
              "CHUNKING", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES", "HELP"});
    co_return Status{};
}

asio::awaitable<Status> Server::on_mail(std::string_view argument) {
    if (state_ == State::greeted)
        co_return co_await error_reply(503, "5.5.1", "Send EHLO or HELO first");
    if (state_ != State::ready) co_return co_await error_reply(503, "5.5.1", "Nested MAIL command");
    auto parsed = parse_path_argument(argument, "FROM:", true);
    if (!parsed) co_return co_await error_reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    if (!esmtp_ && !parsed->params.empty())
        co_return co_await error_reply(555, "5.5.4", "Parameters need EHLO");
    auto checked = check_mail_params(parsed->params);
    if (auto* refusal = std::get_if<mail::Reply>(&checked))
        co_return co_await error_reply(refusal->code, refusal->enhanced, refusal->text);
    auto& params = std::get<MailParams>(checked);
    if (params.size && *params.size > config_.max_message_size) {
        outbox_.reply(552, "5.3.4", "Message size exceeds fixed limit");
        co_return Status{};
    }
    if (auto refusal = check_charset(parsed->address, params.smtputf8)) {
        outbox_.reply(*refusal);
        co_return Status{};
    }
    if (auto refusal = sink_.check_sender(parsed->address)) {
        outbox_.reply(*refusal);
        co_return Status{};
    }
    reset_transaction();
    discarding_chunks_ = false;
    auto& envelope = transaction_.envelope;
    envelope.sender = std::move(parsed->address);
    envelope.id = random_id();
    envelope.smtputf8 = params.smtputf8;
    envelope.body = params.body;
    transaction_.mail = params;
    enter(State::mail);
    outbox_.reply(250, "2.1.0", "Sender OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_rcpt(std::string_view argument) {
    if (state_ != State::mail && state_ != State::rcpt)
        co_return co_await error_reply(503, "5.5.1", "Need MAIL before RCPT");
    auto parsed = parse_path_argument(argument, "TO:", false);
    if (!parsed) co_return co_await error_reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
    auto checked = check_rcpt_params(parsed->params);
    if (auto* refusal = std::get_if<mail::Reply>(&checked))
        co_return co_await error_reply(refusal->code, refusal->enhanced, refusal->text);
    if (auto refusal = check_charset(parsed->address, transaction_.mail.smtputf8)) {
        outbox_.reply(*refusal);
        co_return Status{};
    }
    if (auto refused =
            recipient_refusal(parsed->address, config_.domains, config_.refuse_routing_addresses)) {
        // Summarised in the log, and counted toward --max-errors.
        refusals_.refused(header_safe(parsed->address, true), refused->why);
        const auto& reply = refused->reply;
        co_return co_await error_reply(reply.code, reply.enhanced, reply.text);
    }
    auto& recipients = transaction_.envelope.recipients;
    bool duplicate = std::any_of(recipients.begin(), recipients.end(), [&](const std::string& r) {
        return text::iequals(r, parsed->address);
    });
    if (!duplicate) {
        if (auto refused = co_await admit_recipient(parsed->address)) {
            outbox_.reply(*refused);
            co_return Status{};
        }
        recipients.push_back(std::move(parsed->address));
    }
    enter(State::rcpt);
    outbox_.reply(250, "2.1.5", "Recipient OK");
    co_return Status{};
}

asio::awaitable<std::optional<mail::Reply>> Server::admit_recipient(std::string_view address) {
    const auto& recipients = transaction_.envelope.recipients;
    if (recipients.size() >= config_.max_recipients ||
        (sink_.per_recipient_outcomes() && !recipients.empty()))
        co_return mail::Reply{452, "4.5.3", "Too many recipients"};
    // Without SIZE=, the largest size we accept (smtp/stored_bounds).
    std::uint64_t size = transaction_.mail.size.value_or(config_.max_message_size);
    if (auto over = recipient_over_bounds(config_.stored, size, sink_.copies(recipients.size() + 1),
                                          stored_))
        co_return over;
    co_return co_await sink_.check_recipient(address, transaction_.mail.size.value_or(0));
}

asio::awaitable<Status> Server::on_rset(std::string_view) {
    reset_transaction();
    discarding_chunks_ = false;
    outbox_.reply(250, "2.0.0", "Reset OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_noop(std::string_view) {
    outbox_.reply(250, "2.0.0", "OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_quit(std::string_view) {
    reset_transaction();
    outbox_.reply(221, "2.0.0", config_.hostname + " closing connection");
    report_.quit = true;
    enter(State::done);
    co_return Status{};
}

asio::awaitable<Status> Server::on_vrfy(std::string_view) {
    outbox_.reply(252, "2.5.0", "Cannot VRFY user, but will accept message");
    co_return Status{};
}

asio::awaitable<Status> Server::on_help(std::string_view) {
    outbox_.reply(214, "2.0.0",
                  "odmr-fetch: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP");
    co_return Status{};
}

asio::awaitable<Status> Server::on_not_offered(std::string_view) {
    co_return co_await error_reply(502, "5.5.1", "Command not implemented");
}

}  // namespace odmr::smtp
