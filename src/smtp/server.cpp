#include "smtp/server.h"

#include <array>

namespace odmr::smtp {

Server::Server(net::Reader& reader, mail::Sink& sink, const ServerConfig& config, const Log& log,
               ResendRecord* record)
    : reader_(reader),
      sink_(sink),
      config_(config),
      log_(log),
      record_(record),
      deadline_(config.session_timeout),
      outbox_(log),
      receiver_(reader, config, log) {}

// ---- state ---------------------------------------------------------------

const char* Server::name(State state) {
    switch (state) {
        case State::greeted:
            return "greeted";
        case State::ready:
            return "ready";
        case State::mail:
            return "mail";
        case State::rcpt:
            return "rcpt";
        case State::chunks:
            return "chunks";
        case State::done:
            return "done";
    }
    return "?";
}

void Server::enter(State next) {
    if (next == state_) return;
    if (log_.level() >= 3)
        log_.debug(std::string("reversed session: ") + name(state_) + " -> " + name(next));
    state_ = next;
}

void Server::reset_transaction() {
    auto& envelope = transaction_.envelope;
    if (!envelope.received.empty())
        received_ = std::move(envelope.received);  // its buffer, for the next message
    auto recipients = std::move(envelope.recipients);
    recipients.clear();            // its capacity, for the next message's
    transaction_ = Transaction{};  // aborts a message the sink had begun
    transaction_.envelope.recipients = std::move(recipients);
    if (state_ == State::mail || state_ == State::rcpt || state_ == State::chunks)
        enter(State::ready);
}

// ---- the session ---------------------------------------------------------

asio::awaitable<Result<SessionReport>> Server::run() {
    auto result = co_await serve();
    refusals_.summarise();
    if (std::size_t withdrawn = outbox_.withdraw(sink_); withdrawn > 0) {
        // Received in full but never acknowledged: the provider still has
        // them and will send them again, so keeping them would double them.
        log_.notice(std::to_string(withdrawn) +
                    " received message(s) were not acknowledged and are left with the provider");
        report_.refused += withdrawn;
        report_.failed += withdrawn;
        if (result) result = report_;
    }
    if (record_ != nullptr) record_->end_session(clean_end_);
    co_return result;
}

asio::awaitable<Result<SessionReport>> Server::serve() {
    deadline_ = Deadline(config_.session_timeout);
    outbox_.reply(220, "", config_.hostname + " ESMTP odmr-fetch ready");
    while (state_ != State::done) {
        if (reader_.stream().reading_stopped()) co_return (co_await stop_session()).error();
        // A line already buffered (pipelined commands) is taken without a
        // coroutine of its own; the replies wait until none is left.
        std::size_t lf = reader_.line_end();
        if (lf == net::Reader::no_line) {
            if (auto sent = co_await sync_and_send(); !sent) {
                // A provider that hung up before its first command had nothing
                // to send; one that hangs up later keeps whatever it did not
                // see acknowledged.
                if (report_.commands > 0)
                    log_.notice("the provider closed the connection: " + sent.error().message());
                reset_transaction();
                co_return report_;
            }
        }
        if (report_.commands >= config_.max_commands)
            co_return (co_await hang_up("4.7.0", "Too many commands", Errc::protocol)).error();
        Result<std::string_view> line = std::string_view();
        if (lf != net::Reader::no_line)
            line = reader_.take_line(lf, config_.max_line);
        else
            line = co_await reader_.read_line(config_.max_line,
                                              deadline_.left(config_.command_timeout));
        if (!line) {
            const Error& error = line.error();
            if (error.is(Errc::line_too_long)) {
                ++report_.commands;
                if (auto s = co_await error_reply(500, "5.5.2", "Line too long"); !s)
                    co_return s.error();
                continue;
            }
            if (error.is(Errc::stopped)) co_return (co_await stop_session()).error();
            if (error.is(Errc::timeout)) {
                auto s = co_await hang_up("4.4.2",
                                          deadline_.passed() ? "Session time limit reached"
                                                             : "Timeout waiting for a command",
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
    auto sent = co_await sync_and_send();
    if (!sent && !report_.quit) co_return sent.error();
    clean_end_ = sent && report_.quit;  // the provider has read every 250
    co_return report_;
}

// Not a coroutine: the handler's own coroutine is the one awaited.
asio::awaitable<Status> Server::dispatch(const Command& command) {
    using Handler = asio::awaitable<Status> (Server::*)(std::string_view argument);
    struct Entry {
        Verb verb;
        Handler handler;
    };
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
        if (entry.verb == command.verb) return (this->*entry.handler)(command.argument);
    }
    return error_reply(500, "5.5.2", "Command not recognized");
}

// ---- replies that end or count against the session ------------------------

// Group commit happens here, and only here: the sink's sync, before a staged
// message's 250 can leave.
asio::awaitable<Status> Server::sync_and_send() {
    auto settled = co_await outbox_.settle(sink_, record_);
    report_.delivered += settled.delivered;
    report_.octets += settled.octets;
    report_.refused += settled.failed;
    report_.failed += settled.failed;
    // A message already stored gets its 250 even after the session's (or the
    // run's) time is up: the command timeout then, not what is left.
    auto limit = outbox_.acknowledgements_due() ? config_.command_timeout
                                                : deadline_.left(config_.command_timeout);
    co_return co_await outbox_.send(reader_.stream(), limit);
}

asio::awaitable<Status> Server::error_reply(int code, std::string_view enhanced,
                                            std::string_view text) {
    outbox_.reply(code, enhanced, text);
    if (++errors_ < config_.max_errors) co_return Status{};
    co_return co_await hang_up("4.7.0", "Too many errors", Errc::protocol);
}

asio::awaitable<Status> Server::stop_session() {
    log_.notice("stopping: the provider keeps what was not acknowledged");
    co_return co_await hang_up("4.3.2", "Shutting down", Errc::stopped);
}

asio::awaitable<Status> Server::hang_up(std::string_view enhanced, const std::string& text,
                                        Errc why) {
    outbox_.reply(421, enhanced, config_.hostname + " " + text + ", closing connection");
    enter(State::done);
    reset_transaction();
    (void)co_await sync_and_send();  // the connection is ending either way
    co_return make_error(why, "reversed session: " + text);
}

}  // namespace odmr::smtp
