#include "smtp/server.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "util/text.h"

namespace odmr::smtp {
namespace {

constexpr std::size_t body_chunk = 64 * 1024;

std::string random_id() {
    std::array<unsigned char, 6> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

std::string rfc5322_date() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S %z", &local);
    return std::string(buffer, n);
}

// Printable ASCII for a header: a peer-supplied name must never break the header.
std::string header_safe(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 255)) {
        auto u = static_cast<unsigned char>(c);
        out += (u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\') ? c : '?';
    }
    return out;
}

}  // namespace

Server::Server(net::Reader& reader, deliver::Sink& sink, const ServerConfig& config, const Log& log)
    : reader_(reader), sink_(sink), config_(config), log_(log) {}

void Server::reply(int code, std::string_view enhanced, std::string_view text) {
    std::string line = std::to_string(code);
    line += ' ';
    if (!enhanced.empty()) {
        line += enhanced;
        line += ' ';
    }
    line += text;
    log_.wire("C> ", line);
    output_ += line;
    output_ += "\r\n";
}

void Server::reply_lines(int code, const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string line = std::to_string(code) + (i + 1 < lines.size() ? "-" : " ") + lines[i];
        log_.wire("C> ", line);
        output_ += line;
        output_ += "\r\n";
    }
}

asio::awaitable<Status> Server::flush() {
    if (output_.empty()) co_return Status{};
    auto status = co_await reader_.stream().write(output_, config_.command_timeout);
    output_.clear();
    if (!status && unsent_acks_ > 0)
        log_.warning(std::to_string(unsent_acks_) + " delivered message(s) may not have been "
                     "acknowledged to the provider, which may send them again");
    unsent_acks_ = 0;
    co_return status;
}

asio::awaitable<Status> Server::error_reply(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    if (++errors_ < config_.max_errors) co_return Status{};
    reply(421, "4.7.0", "Too many errors, closing connection");
    state_ = State::done;
    co_await flush();
    co_return make_error(Errc::protocol, "the provider sent too many erroneous commands");
}

asio::awaitable<Result<SessionReport>> Server::run() {
    reply(220, "", config_.hostname + " ESMTP odmr-fetch ready");
    while (state_ != State::done) {
        if (!reader_.has_line()) {
            if (auto sent = co_await flush(); !sent) {
                // A provider that hung up before its first command had nothing to
                // send; one that hangs up later keeps whatever it did not see
                // acknowledged.
                if (report_.commands > 0) log_.notice("the provider closed the connection: " + sent.error().message());
                co_return report_;
            }
        }
        auto line = co_await reader_.read_line(config_.max_line, config_.command_timeout);
        if (!line) {
            const Error& error = line.error();
            if (error.is(Errc::line_too_long)) {
                ++report_.commands;
                if (auto s = co_await error_reply(500, "5.5.2", "Line too long"); !s) co_return s.error();
                continue;
            }
            if (error.is(Errc::timeout)) {
                reply(421, "4.4.2", config_.hostname + " Timeout waiting for a command, closing");
                co_await flush();
                co_return make_error(Errc::timeout, "the provider stopped sending commands");
            }
            // Before any command: a provider that had nothing to send and
            // hung up (Exim writes a bare QUIT in clear text, even inside TLS).
            if (report_.commands == 0) co_return report_;
            if (state_ == State::mail || state_ == State::rcpt)
                log_.notice("the provider closed the connection in the middle of a transaction");
            co_return report_;  // nothing acknowledged is affected
        }
        ++report_.commands;
        log_.wire("S< ", *line);
        Command command = parse_command(*line);
        if (auto handled = co_await dispatch(command); !handled) {
            co_return handled.error();
        }
    }
    if (auto sent = co_await flush(); !sent && !report_.quit) co_return sent.error();
    co_return report_;
}

asio::awaitable<Status> Server::dispatch(const Command& command) {
    static constexpr std::array<Entry, 14> table{{
        {Verb::helo, &Server::on_helo},   {Verb::ehlo, &Server::on_ehlo},
        {Verb::mail, &Server::on_mail},   {Verb::rcpt, &Server::on_rcpt},
        {Verb::data, &Server::on_data},   {Verb::rset, &Server::on_rset},
        {Verb::noop, &Server::on_noop},   {Verb::quit, &Server::on_quit},
        {Verb::vrfy, &Server::on_vrfy},   {Verb::help, &Server::on_help},
        {Verb::expn, &Server::on_not_offered}, {Verb::bdat, &Server::on_not_offered},
        {Verb::starttls, &Server::on_not_offered}, {Verb::auth, &Server::on_not_offered},
    }};
    for (const auto& entry : table) {
        if (entry.verb == command.verb) co_return co_await (this->*entry.handler)(command.argument);
    }
    co_return co_await error_reply(500, "5.5.2", "Command not recognized");
}

asio::awaitable<Status> Server::on_helo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "HELO requires a domain");
    reset_transaction();
    client_name_ = argument;
    esmtp_ = false;
    state_ = State::ready;
    reply(250, "", config_.hostname);
    co_return Status{};
}

asio::awaitable<Status> Server::on_ehlo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "EHLO requires a domain");
    reset_transaction();
    client_name_ = argument;
    esmtp_ = true;
    state_ = State::ready;
    // Never STARTTLS here: the TLS session, if any, is already the provider's
    // (and Exim would send STARTTLS before every message if we offered it).
    reply_lines(250, {config_.hostname + " Hello " + header_safe(argument), "PIPELINING", "8BITMIME",
                      "SIZE " + std::to_string(config_.max_message_size), "ENHANCEDSTATUSCODES",
                      "HELP"});
    co_return Status{};
}

asio::awaitable<Status> Server::on_mail(std::string_view argument) {
    if (state_ == State::greeted)
        co_return co_await error_reply(503, "5.5.1", "Send EHLO or HELO first");
    if (state_ != State::ready) co_return co_await error_reply(503, "5.5.1", "Nested MAIL command");
    auto parsed = parse_path_argument(argument, "FROM:", true);
    if (!parsed) co_return co_await error_reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    std::size_t size = 0;
    for (const auto& param : parsed->params) {
        if (esmtp_ && param.keyword == "SIZE") {
            char* end = nullptr;
            size = std::strtoull(param.value.c_str(), &end, 10);
            if (param.value.empty() || *end != '\0')
                co_return co_await error_reply(501, "5.5.4", "Bad SIZE parameter");
            if (size > config_.max_message_size) {
                reply(552, "5.3.4", "Message size exceeds fixed limit");
                co_return Status{};
            }
        } else if (esmtp_ && param.keyword == "BODY") {
            if (!text::iequals(param.value, "7BIT") && !text::iequals(param.value, "8BITMIME"))
                co_return co_await error_reply(555, "5.5.4", "Unsupported BODY type");
        } else {
            co_return co_await error_reply(555, "5.5.4", "Unsupported parameter " + param.keyword);
        }
    }
    envelope_ = {};
    envelope_.sender = std::move(parsed->address);
    envelope_.id = random_id();
    declared_size_ = size;
    state_ = State::mail;
    reply(250, "2.1.0", "Sender OK");
    co_return Status{};
}

bool Server::domain_accepted(std::string_view address) const {
    auto domain = domain_of(address);
    return std::any_of(config_.domains.begin(), config_.domains.end(),
                       [&](const std::string& d) { return text::iequals(d, domain); });
}

asio::awaitable<Status> Server::on_rcpt(std::string_view argument) {
    if (state_ != State::mail && state_ != State::rcpt)
        co_return co_await error_reply(503, "5.5.1", "Need MAIL before RCPT");
    auto parsed = parse_path_argument(argument, "TO:", false);
    if (!parsed) co_return co_await error_reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
    if (!parsed->params.empty())
        co_return co_await error_reply(555, "5.5.4", "Unsupported parameter " + parsed->params[0].keyword);
    if (!domain_accepted(parsed->address)) {
        log_.warning("refused recipient <" + parsed->address + ">: not in the requested domains");
        reply(550, "5.7.1", "Relaying denied: not a domain of this customer");
        co_return Status{};
    }
    auto& recipients = envelope_.recipients;
    bool duplicate = std::any_of(recipients.begin(), recipients.end(),
                                 [&](const std::string& r) { return text::iequals(r, parsed->address); });
    if (!duplicate) {
        if (recipients.size() >= config_.max_recipients ||
            (sink_.per_recipient_outcomes() && !recipients.empty())) {
            reply(452, "4.5.3", "Too many recipients");
            co_return Status{};
        }
        recipients.push_back(std::move(parsed->address));
    }
    state_ = State::rcpt;
    reply(250, "2.1.5", "Recipient OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_data(std::string_view argument) {
    if (!argument.empty()) co_return co_await error_reply(501, "5.5.4", "DATA takes no argument");
    if (state_ == State::mail) co_return co_await error_reply(554, "5.5.1", "No valid recipients");
    if (state_ != State::rcpt) co_return co_await error_reply(503, "5.5.1", "Need RCPT before DATA");
    envelope_.received = trace_header();
    if (auto begun = co_await sink_.begin(envelope_); !begun) {
        log_.error("message " + envelope_.id + ": cannot start delivery: " + begun.error().message());
        reply(451, "4.3.0", "Local delivery unavailable, try again later");
        reset_transaction();
        co_return Status{};
    }
    reply(354, "", "End data with <CR><LF>.<CR><LF>");
    if (auto sent = co_await flush(); !sent) {
        sink_.abort();
        co_return sent.error();
    }
    auto outcome = co_await receive_body();
    if (!outcome) {
        sink_.abort();
        co_return outcome.error();
    }
    output_ += *outcome;
    if (outcome->starts_with("250")) ++unsent_acks_;
    reset_transaction();
    co_return Status{};
}

asio::awaitable<Result<std::string>> Server::receive_body() {
    decoder_.reset();
    std::string chunk;
    chunk.reserve(body_chunk + 1024);
    std::size_t size = 0;
    bool oversized = false;
    Status written;
    for (;;) {
        if (reader_.buffered().empty()) {
            auto n = co_await reader_.fill(config_.data_timeout);
            if (!n) {
                log_.error("message " + envelope_.id + ": " + n.error().message() +
                           " before the end of the message; it was not delivered");
                co_return make_error(n.error().code, "receiving message " + envelope_.id);
            }
        }
        std::size_t before = chunk.size();
        auto step = decoder_.decode(reader_.buffered(), chunk);
        reader_.consume(step.consumed);
        size += chunk.size() - before;
        if (size > config_.max_message_size) oversized = true;
        if ((chunk.size() >= body_chunk || step.done) && !oversized && written) {
            written = co_await sink_.write(chunk);
        }
        if (chunk.size() >= body_chunk || step.done || oversized) chunk.clear();
        if (step.done) break;
    }
    auto refuse = [&](int code, const char* enhanced, const std::string& text) {
        sink_.abort();
        ++report_.rejected;
        return std::to_string(code) + " " + enhanced + " " + text + "\r\n";
    };
    if (oversized) {
        log_.error("message " + envelope_.id + ": larger than " + std::to_string(config_.max_message_size) +
                   " octets, refused");
        co_return refuse(552, "5.3.4", "Message size exceeds fixed limit");
    }
    if (!written) {
        log_.error("message " + envelope_.id + ": " + written.error().message());
        co_return refuse(451, "4.3.0", "Local delivery failed, try again later");
    }
    auto committed = co_await sink_.commit();
    if (!committed) {
        log_.error("message " + envelope_.id + ": " + committed.error().message());
        if (committed.error().is(Errc::permanent))
            co_return refuse(554, "5.3.0", "Local delivery failed permanently");
        co_return refuse(451, "4.3.0", "Local delivery failed, try again later");
    }
    ++report_.delivered;
    log_.info("message " + envelope_.id + " from <" + envelope_.sender + "> delivered (" +
                std::to_string(size) + " octets, " + std::to_string(envelope_.recipients.size()) +
                " recipient" + (envelope_.recipients.size() == 1 ? "" : "s") + ")");
    std::string line = "250 2.0.0 OK delivered as " + envelope_.id;
    log_.wire("C> ", line);
    co_return line + "\r\n";
}

std::string Server::trace_header() const {
    auto& stream = reader_.stream();
    std::string address = stream.remote_address();
    std::string protocol = esmtp_ ? "ESMTP" : "SMTP";
    std::string tls;
    if (stream.tls_active()) {
        auto info = stream.tls_info();
        protocol += "S";
        tls = " (" + info.version + ":" + info.cipher + ")";
    }
    std::string out = "Received: from " + header_safe(client_name_);
    if (!address.empty()) out += " ([" + address + "])";
    out += "\r\n\tby " + config_.hostname + " (odmr-fetch) with " + protocol + tls + "\r\n\tid " + envelope_.id;
    if (envelope_.recipients.size() == 1) out += "\r\n\tfor <" + header_safe(envelope_.recipients[0]) + ">";
    out += ";\r\n\t" + rfc5322_date() + "\r\n";
    return out;
}

void Server::reset_transaction() {
    envelope_ = {};
    declared_size_ = 0;
    if (state_ == State::mail || state_ == State::rcpt) state_ = State::ready;
}

asio::awaitable<Status> Server::on_rset(std::string_view) {
    reset_transaction();
    reply(250, "2.0.0", "Reset OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_noop(std::string_view) {
    reply(250, "2.0.0", "OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_quit(std::string_view) {
    reply(221, "2.0.0", config_.hostname + " closing connection");
    report_.quit = true;
    state_ = State::done;
    co_return Status{};
}

asio::awaitable<Status> Server::on_vrfy(std::string_view) {
    reply(252, "2.5.0", "Cannot VRFY user, but will accept message");
    co_return Status{};
}

asio::awaitable<Status> Server::on_help(std::string_view) {
    reply(214, "2.0.0", "odmr-fetch: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
    co_return Status{};
}

asio::awaitable<Status> Server::on_not_offered(std::string_view) {
    co_return co_await error_reply(502, "5.5.1", "Command not implemented");
}

}  // namespace odmr::smtp
