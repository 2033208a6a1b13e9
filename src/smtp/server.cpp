#include "smtp/server.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>

#include "mail/address.h"
#include "util/text.h"

namespace odmr::smtp {
namespace {

constexpr std::size_t body_chunk = 64 * 1024;
constexpr std::size_t max_batch = 256;  // messages per group commit

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

// A peer-supplied name or address made safe for a header: printable ASCII,
// plus well-formed UTF-8 when the transaction is SMTPUTF8 (RFC 6532).
std::string header_safe(std::string_view s, bool utf8) {
    s = s.substr(0, 255);
    bool allow_utf8 = utf8 && is_utf8(s);
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool printable = u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\';
        out += (printable || (allow_utf8 && u >= 0x80)) ? c : '?';
    }
    return out;
}

}  // namespace

Server::Server(net::Reader& reader, mail::Sink& sink, const ServerConfig& config, const Log& log)
    : reader_(reader), sink_(sink), config_(config), log_(log) {}

// ---- replies -------------------------------------------------------------

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
    co_await settle();
    if (output_.empty()) co_return Status{};
    auto status = co_await reader_.stream().write(output_, time_left(config_.command_timeout));
    output_.clear();
    if (!status && unsent_acks_ > 0)
        log_.warning(std::to_string(unsent_acks_) +
                     " delivered message(s) may not have been acknowledged to the provider, "
                     "which may send them again");
    unsent_acks_ = 0;
    co_return status;
}

asio::awaitable<Status> Server::error_reply(int code, std::string_view enhanced,
                                            std::string_view text) {
    reply(code, enhanced, text);
    if (++errors_ < config_.max_errors) co_return Status{};
    co_return co_await hang_up("4.7.0", "Too many errors", Errc::protocol);
}

asio::awaitable<Status> Server::hang_up(std::string_view enhanced, const std::string& text,
                                        Errc why) {
    reply(421, enhanced, config_.hostname + " " + text + ", closing connection");
    state_ = State::done;
    reset_transaction();
    co_await flush();
    co_return make_error(why, "reversed session: " + text);
}

Duration Server::time_left(Duration limit) const {
    auto left = session_end_ - std::chrono::steady_clock::now();
    return std::max(Duration::zero(), std::min(limit, left));
}

// ---- the session ---------------------------------------------------------

asio::awaitable<Result<SessionReport>> Server::run() {
    auto result = co_await serve();
    if (!staged_.empty()) {
        // Received in full but never acknowledged: the provider still has
        // them and will send them again, so keeping them would double them.
        log_.notice(std::to_string(staged_.size()) +
                    " received message(s) were not acknowledged and are left with the provider");
        sink_.withdraw();
        report_.rejected += staged_.size();
        report_.failed += staged_.size();
        staged_.clear();
        if (result) result = report_;
    }
    co_return result;
}

asio::awaitable<Result<SessionReport>> Server::serve() {
    session_end_ = std::chrono::steady_clock::now() + config_.session_timeout;
    reply(220, "", config_.hostname + " ESMTP odmr-fetch ready");
    while (state_ != State::done) {
        if (!reader_.has_line()) {
            if (auto sent = co_await flush(); !sent) {
                // A provider that hung up before its first command had nothing
                // to send; one that hangs up later keeps whatever it did not
                // see acknowledged.
                if (report_.commands > 0)
                    log_.notice("the provider closed the connection: " + sent.error().message());
                reset_transaction();
                co_return report_;
            }
        }
        if (report_.commands >= config_.max_commands) {
            auto s = co_await hang_up("4.7.0", "Too many commands", Errc::protocol);
            co_return s.error();
        }
        auto timeout = time_left(config_.command_timeout);
        auto line = co_await reader_.read_line(config_.max_line, timeout);
        if (!line) {
            const Error& error = line.error();
            if (error.is(Errc::line_too_long)) {
                ++report_.commands;
                if (auto s = co_await error_reply(500, "5.5.2", "Line too long"); !s)
                    co_return s.error();
                continue;
            }
            if (error.is(Errc::timeout)) {
                bool session_over = std::chrono::steady_clock::now() >= session_end_;
                auto s = co_await hang_up(
                    "4.4.2",
                    session_over ? "Session time limit reached" : "Timeout waiting for a command",
                    Errc::timeout);
                co_return s.error();
            }
            // Before any command: a provider that had nothing to send and hung
            // up (Exim writes a bare QUIT in clear text, even inside TLS).
            if (state_ != State::ready && state_ != State::greeted)
                log_.notice("the provider closed the connection in the middle of a transaction");
            reset_transaction();
            co_return report_;  // nothing acknowledged is affected
        }
        ++report_.commands;
        log_.wire("S< ", *line);
        if (auto handled = co_await dispatch(parse_command(*line)); !handled)
            co_return handled.error();
    }
    if (auto sent = co_await flush(); !sent && !report_.quit) co_return sent.error();
    co_return report_;
}

asio::awaitable<Status> Server::dispatch(const Command& command) {
    static constexpr std::array<Entry, 14> table{{
        {Verb::helo, &Server::on_helo},
        {Verb::ehlo, &Server::on_ehlo},
        {Verb::mail, &Server::on_mail},
        {Verb::rcpt, &Server::on_rcpt},
        {Verb::data, &Server::on_data},
        {Verb::bdat, &Server::on_bdat},
        {Verb::rset, &Server::on_rset},
        {Verb::noop, &Server::on_noop},
        {Verb::quit, &Server::on_quit},
        {Verb::vrfy, &Server::on_vrfy},
        {Verb::help, &Server::on_help},
        {Verb::expn, &Server::on_not_offered},
        {Verb::starttls, &Server::on_not_offered},
        {Verb::auth, &Server::on_not_offered},
    }};
    for (const auto& entry : table) {
        if (entry.verb == command.verb) co_return co_await (this->*entry.handler)(command.argument);
    }
    co_return co_await error_reply(500, "5.5.2", "Command not recognized");
}

// ---- commands ------------------------------------------------------------

asio::awaitable<Status> Server::on_helo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "HELO requires a domain");
    reset_transaction();
    discarding_chunks_ = false;
    client_name_ = argument;
    esmtp_ = false;
    state_ = State::ready;
    reply(250, "", config_.hostname);
    co_return Status{};
}

asio::awaitable<Status> Server::on_ehlo(std::string_view argument) {
    if (argument.empty()) co_return co_await error_reply(501, "5.5.4", "EHLO requires a domain");
    reset_transaction();
    discarding_chunks_ = false;
    client_name_ = argument;
    esmtp_ = true;
    state_ = State::ready;
    // Never STARTTLS: the TLS session, if any, is already the provider's (and
    // Exim would send STARTTLS before every message if we offered it).
    reply_lines(250, {config_.hostname + " Hello " + header_safe(argument, false), "PIPELINING",
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
    if (auto* refusal = std::get_if<mail::Reply>(&checked)) {
        co_return co_await error_reply(refusal->code, refusal->enhanced, refusal->text);
    }
    auto& params = std::get<MailParams>(checked);
    if (params.size && *params.size > config_.max_message_size) {
        reply(552, "5.3.4", "Message size exceeds fixed limit");
        co_return Status{};
    }
    if (!is_ascii(parsed->address) && (!params.smtputf8 || !is_utf8(parsed->address))) {
        reply(
            553, "5.6.7",
            params.smtputf8 ? "Malformed UTF-8 in address" : "Non-ASCII address requires SMTPUTF8");
        co_return Status{};
    }
    reset_transaction();
    discarding_chunks_ = false;
    envelope_.sender = std::move(parsed->address);
    envelope_.id = random_id();
    envelope_.smtputf8 = params.smtputf8;
    envelope_.body = params.body;
    mail_ = params;
    state_ = State::mail;
    reply(250, "2.1.0", "Sender OK");
    co_return Status{};
}

bool Server::domain_accepted(std::string_view address) const {
    auto domain = mail::domain_of(address);
    return std::any_of(config_.domains.begin(), config_.domains.end(),
                       [&](const std::string& d) { return text::iequals(d, domain); });
}

asio::awaitable<Status> Server::on_rcpt(std::string_view argument) {
    if (state_ != State::mail && state_ != State::rcpt)
        co_return co_await error_reply(503, "5.5.1", "Need MAIL before RCPT");
    auto parsed = parse_path_argument(argument, "TO:", false);
    if (!parsed) co_return co_await error_reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
    auto checked = check_rcpt_params(parsed->params);
    if (auto* refusal = std::get_if<mail::Reply>(&checked)) {
        co_return co_await error_reply(refusal->code, refusal->enhanced, refusal->text);
    }
    if (!is_ascii(parsed->address) && (!mail_.smtputf8 || !is_utf8(parsed->address))) {
        reply(
            553, "5.6.7",
            mail_.smtputf8 ? "Malformed UTF-8 in address" : "Non-ASCII address requires SMTPUTF8");
        co_return Status{};
    }
    if (!domain_accepted(parsed->address)) {
        log_.warning("refused recipient <" + header_safe(parsed->address, true) +
                     ">: not in the requested domains");
        reply(550, "5.7.1", "Relaying denied: not a domain of this customer");
        co_return Status{};
    }
    auto& recipients = envelope_.recipients;
    bool duplicate = std::any_of(recipients.begin(), recipients.end(), [&](const std::string& r) {
        return text::iequals(r, parsed->address);
    });
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
    if (state_ == State::chunks)
        co_return co_await error_reply(503, "5.5.1", "DATA during a BDAT transfer");
    if (state_ == State::mail) co_return co_await error_reply(554, "5.5.1", "No valid recipients");
    if (state_ != State::rcpt)
        co_return co_await error_reply(503, "5.5.1", "Need RCPT before DATA");
    if (mail_.body == mail::BodyType::binary_mime)
        co_return co_await error_reply(503, "5.5.1", "BODY=BINARYMIME requires BDAT");
    if (auto started = co_await start_message(); !started) {
        refuse_delivery(started.error(), "Local delivery unavailable, try again later");
        reset_transaction();
        co_return Status{};
    }
    reply(354, "", "End data with <CR><LF>.<CR><LF>");
    if (auto sent = co_await flush(); !sent) {
        reset_transaction();
        co_return sent.error();
    }
    if (auto received = co_await receive_dot_body(); !received) co_return received;
    co_await finish_message();
    co_return Status{};
}

asio::awaitable<Status> Server::on_bdat(std::string_view argument) {
    auto args = parse_bdat(argument);
    if (!args) {
        // Without a size we cannot tell where the chunk ends: never read
        // message data as commands.
        reply(501, "5.5.4", "Syntax: BDAT size [LAST]");
        co_return co_await hang_up("4.7.0", "Cannot resynchronise after a malformed BDAT",
                                   Errc::protocol);
    }
    const char* refusal = nullptr;
    if (state_ == State::greeted || state_ == State::ready)
        refusal = "Need MAIL and RCPT before BDAT";
    if (state_ == State::mail) refusal = "No valid recipients";
    if (refusal != nullptr) {
        // RFC 3030: the chunk is read and thrown away, then refused. Chunks
        // pipelined behind a failed one, or behind refused recipients, are
        // the provider doing PIPELINING right, not errors.
        if (auto skipped = co_await receive_chunk(args->size, false); !skipped) co_return skipped;
        int code = state_ == State::mail ? 554 : 503;
        if (discarding_chunks_ || state_ == State::mail) {
            reply(code, "5.5.1", refusal);
            co_return Status{};
        }
        co_return co_await error_reply(code, "5.5.1", refusal);
    }
    if (state_ == State::rcpt) {
        if (auto started = co_await start_message(); !started) {
            if (auto skipped = co_await receive_chunk(args->size, false); !skipped)
                co_return skipped;
            refuse_delivery(started.error(), "Local delivery unavailable, try again later");
            reset_transaction();
            discarding_chunks_ = true;
            co_return Status{};
        }
        state_ = State::chunks;
    }
    if (auto received = co_await receive_chunk(args->size, true); !received) co_return received;
    if (args->last) {
        co_await pass_body(true);
        co_await finish_message();
    } else if (fail_code_ != 0) {
        co_await finish_message();  // refuse now; the provider sends no more chunks
        discarding_chunks_ = true;
    } else {
        reply(250, "2.0.0", std::to_string(args->size) + " octets received");
    }
    co_return Status{};
}

void Server::reset_transaction() {
    if (begun_) sink_.abort();
    begun_ = false;
    envelope_ = {};
    mail_ = {};
    size_ = 0;
    body_.clear();
    body_status_ = {};
    fail_code_ = 0;
    decoder_.reset();
    line_ = longest_line_ = 0;
    bdat_cr_ = false;
    if (state_ == State::mail || state_ == State::rcpt || state_ == State::chunks)
        state_ = State::ready;
}

asio::awaitable<Status> Server::on_rset(std::string_view) {
    reset_transaction();
    discarding_chunks_ = false;
    reply(250, "2.0.0", "Reset OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_noop(std::string_view) {
    reply(250, "2.0.0", "OK");
    co_return Status{};
}

asio::awaitable<Status> Server::on_quit(std::string_view) {
    reset_transaction();
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
    reply(214, "2.0.0", "odmr-fetch: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP");
    co_return Status{};
}

asio::awaitable<Status> Server::on_not_offered(std::string_view) {
    co_return co_await error_reply(502, "5.5.1", "Command not implemented");
}

// ---- message data --------------------------------------------------------

asio::awaitable<Status> Server::start_message() {
    envelope_.received = trace_header();
    auto begun = co_await sink_.begin(envelope_);
    if (!begun) {
        log_.error("message " + envelope_.id +
                   ": cannot start delivery: " + begun.error().message());
        co_return begun;
    }
    begun_ = true;
    co_return Status{};
}

// The sink's failure as our reply: the local peer's own words when it has
// them and they agree with the error's permanence, else a generic reply.
void Server::refuse_delivery(const Error& error, std::string_view generic) {
    bool permanent = error.is(Errc::permanent);
    count_refusal(true);
    const mail::Reply* peer = sink_.failure_reply();
    if (peer != nullptr && peer->code / 100 == (permanent ? 5 : 4))
        reply(peer->code, peer->enhanced, peer->text);
    else if (permanent)
        reply(554, "5.3.0", "Local delivery failed permanently");
    else
        reply(451, "4.3.0", generic);
}

// A refused message stays with the provider (4xx: it retries; 5xx: it
// bounces). `local`: the local delivery refused or failed it, which the user
// must hear about (exit 75); a refusal by our own limits is only logged.
void Server::count_refusal(bool local) {
    ++report_.rejected;
    if (local) ++report_.failed;
}

void Server::measure_lines(std::span<const char> data) {
    for (char c : data) {
        if (c == '\n') {
            longest_line_ = std::max(longest_line_, line_ > 0 && bdat_cr_ ? line_ - 1 : line_);
            line_ = 0;
        } else {
            ++line_;
        }
        bdat_cr_ = c == '\r';
    }
    longest_line_ = std::max(longest_line_, line_ > 0 && bdat_cr_ ? line_ - 1 : line_);
}

void Server::fail_message(int code, std::string_view enhanced, const std::string& why) {
    if (fail_code_ != 0) return;
    fail_code_ = code;
    fail_enhanced_ = enhanced;
    fail_text_ = why;
    body_.clear();
}

asio::awaitable<Status> Server::pass_body(bool) {
    if (fail_code_ == 0 && !body_.empty()) {
        if (auto written = co_await sink_.write(body_); !written) {
            log_.error("message " + envelope_.id + ": " + written.error().message());
            fail_message(451, "4.3.0", "Local delivery failed, try again later");
        }
    }
    body_.clear();
    co_return Status{};
}

asio::awaitable<Status> Server::receive_dot_body() {
    decoder_.reset();
    for (;;) {
        if (reader_.buffered().empty()) {
            auto n = co_await reader_.fill(time_left(config_.data_timeout));
            if (!n) {
                log_.error("message " + envelope_.id + ": " + n.error().message() +
                           " before the end of the message data; it was not delivered");
                if (n.error().is(Errc::timeout))
                    co_return co_await hang_up("4.4.2", "Timeout waiting for message data",
                                               Errc::timeout);
                reset_transaction();
                co_return make_error(n.error().code, "receiving message " + envelope_.id);
            }
        }
        std::size_t before = body_.size();
        auto step = decoder_.decode(reader_.buffered(), body_);
        reader_.consume(step.consumed);
        size_ += body_.size() - before;
        if (size_ > config_.max_message_size)
            fail_message(552, "5.3.4", "Message size exceeds fixed limit");
        if (decoder_.longest_line() > config_.max_body_line)
            fail_message(
                552, "5.3.4",
                "Message line longer than " + std::to_string(config_.max_body_line) + " octets");
        if (body_.size() >= body_chunk || step.done) co_await pass_body(step.done);
        if (fail_code_ != 0) body_.clear();
        if (step.done) co_return Status{};
    }
}

asio::awaitable<Status> Server::receive_chunk(std::size_t size, bool keep) {
    std::size_t remaining = size;
    while (remaining > 0) {
        if (reader_.buffered().empty()) {
            auto n = co_await reader_.fill(time_left(config_.data_timeout));
            if (!n) {
                log_.error("BDAT chunk: " + n.error().message() + " with " +
                           std::to_string(remaining) + " of " + std::to_string(size) +
                           " octets missing; the message was not delivered");
                if (n.error().is(Errc::timeout))
                    co_return co_await hang_up("4.4.2", "Timeout waiting for message data",
                                               Errc::timeout);
                reset_transaction();
                co_return make_error(n.error().code, "receiving a BDAT chunk");
            }
        }
        auto data = reader_.buffered();
        std::size_t take = std::min(remaining, data.size());
        if (keep && fail_code_ == 0 && mail_.body != mail::BodyType::binary_mime) {
            measure_lines(data.first(take));
            if (longest_line_ > config_.max_body_line)
                fail_message(552, "5.3.4",
                             "Message line longer than " + std::to_string(config_.max_body_line) +
                                 " octets");
        }
        if (keep && fail_code_ == 0) {
            size_ += take;
            if (size_ > config_.max_message_size) {
                fail_message(552, "5.3.4", "Message size exceeds fixed limit");
            } else if (auto written = co_await sink_.write(data.first(take)); !written) {
                log_.error("message " + envelope_.id + ": " + written.error().message());
                fail_message(451, "4.3.0", "Local delivery failed, try again later");
            }
        }
        reader_.consume(take);
        remaining -= take;
    }
    co_return Status{};
}

asio::awaitable<void> Server::finish_message() {
    if (fail_code_ != 0) {
        log_.error("message " + envelope_.id + " refused: " + fail_text_);
        count_refusal(fail_code_ / 100 == 4);  // 451: the sink failed; 552: our limits
        reply(fail_code_, fail_enhanced_, fail_text_);
        reset_transaction();
        co_return;
    }
    auto committed = co_await sink_.commit();
    begun_ = false;
    if (!committed) {
        sink_.abort();
        log_.error("message " + envelope_.id + ": " + committed.error().message());
        refuse_delivery(committed.error(), "Local delivery failed, try again later");
        reset_transaction();
        co_return;
    }
    Staged staged{envelope_.id, envelope_.sender, envelope_.recipients.size(), size_,
                  output_.size()};
    reset_transaction();
    if (sink_.batches()) {
        // Durable only at the next sync: the reply is decided then, in its place.
        staged_.push_back(std::move(staged));
        if (staged_.size() >= max_batch) co_await flush();
        co_return;
    }
    acknowledge(staged);
}

void Server::acknowledge(const Staged& message) {
    ++report_.delivered;
    ++unsent_acks_;
    log_.info("message " + message.id + " from <" + message.sender + "> delivered (" +
              std::to_string(message.size) + " octets, " + std::to_string(message.recipients) +
              " recipient" + (message.recipients == 1 ? "" : "s") + ")");
    reply(250, "2.0.0", "OK delivered as " + message.id);
}

asio::awaitable<void> Server::settle() {
    if (staged_.empty()) co_return;
    auto synced = co_await sink_.sync();
    if (!synced)
        log_.error("storing " + std::to_string(staged_.size()) +
                   " message(s): " + synced.error().message());
    // Each reply goes where the message's 250 would have been, in order.
    std::string rest = std::move(output_);
    output_.clear();
    std::size_t taken = 0;
    for (const auto& message : staged_) {
        output_.append(rest, taken, message.offset - taken);
        taken = message.offset;
        if (synced) {
            acknowledge(message);
        } else {
            count_refusal(true);
            reply(451, "4.3.0", "Local delivery failed, try again later");
        }
    }
    output_.append(rest, taken);
    staged_.clear();
}

std::string Server::trace_header() const {
    auto& stream = reader_.stream();
    std::string address = stream.remote_address();
    std::string protocol = mail_.smtputf8 ? "UTF8SMTP" : esmtp_ ? "ESMTP" : "SMTP";
    std::string tls;
    if (stream.tls_active()) {
        auto info = stream.tls_info();
        protocol += "S";
        tls = " (" + info.version + ":" + info.cipher + ")";
    }
    std::string out = "Received: from " + header_safe(client_name_, false);
    if (!address.empty()) out += " ([" + address + "])";
    out += "\r\n\tby " + config_.hostname + " (odmr-fetch) with " + protocol + tls + "\r\n\tid " +
           envelope_.id;
    if (envelope_.recipients.size() == 1)
        out += "\r\n\tfor <" + header_safe(envelope_.recipients[0], mail_.smtputf8) + ">";
    out += ";\r\n\t" + rfc5322_date() + "\r\n";
    return out;
}

}  // namespace odmr::smtp
