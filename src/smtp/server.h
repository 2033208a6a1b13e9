// The reversed-role SMTP server (RFC 2645 §5): after ATRN's 250 the provider
// becomes the client on the same connection and we receive its queued mail.
// An explicit state machine with a command table (after OpenSMTPD's
// smtp_session.c); every reply is formatted in one place; a 250 after the
// body is sent only once the Sink made the message durable.
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "deliver/sink.h"
#include "net/reader.h"
#include "smtp/command.h"
#include "smtp/dot_decoder.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

struct ServerConfig {
    std::string hostname;                 // our name in the greeting and trace headers
    std::vector<std::string> domains;     // recipients must be in one of these
    std::size_t max_message_size = 200 * 1024 * 1024;
    std::size_t max_recipients = 1000;    // per transaction
    std::size_t max_errors = 20;          // erroneous commands before we hang up
    std::size_t max_line = 1000;          // command line octets, CRLF excluded (RFC: 512 incl.)
    net::Duration command_timeout = std::chrono::minutes(5);
    net::Duration data_timeout = std::chrono::minutes(10);
};

// What happened in one reversed session.
struct SessionReport {
    std::size_t delivered = 0;   // messages acknowledged with 250
    std::size_t rejected = 0;    // messages refused or failed (still the provider's)
    std::size_t commands = 0;    // commands received
    bool quit = false;           // the provider said QUIT
};

class Server {
public:
    Server(net::Reader& reader, deliver::Sink& sink, const ServerConfig& config, const Log& log);

    // Runs the session to its end. An error means a message was cut off or
    // the provider misbehaved past our limits; acknowledged messages are safe
    // either way. A provider that goes away before its first command is not
    // an error (Exim's "bare QUIT"): commands stays 0.
    asio::awaitable<Result<SessionReport>> run();

private:
    enum class State { greeted, ready, mail, rcpt, done };
    using Handler = asio::awaitable<Status> (Server::*)(std::string_view argument);
    struct Entry {
        Verb verb;
        Handler handler;
    };

    asio::awaitable<Status> dispatch(const Command& command);
    asio::awaitable<Status> on_helo(std::string_view argument);
    asio::awaitable<Status> on_ehlo(std::string_view argument);
    asio::awaitable<Status> on_mail(std::string_view argument);
    asio::awaitable<Status> on_rcpt(std::string_view argument);
    asio::awaitable<Status> on_data(std::string_view argument);
    asio::awaitable<Status> on_rset(std::string_view argument);
    asio::awaitable<Status> on_noop(std::string_view argument);
    asio::awaitable<Status> on_quit(std::string_view argument);
    asio::awaitable<Status> on_vrfy(std::string_view argument);
    asio::awaitable<Status> on_help(std::string_view argument);
    asio::awaitable<Status> on_not_offered(std::string_view argument);

    // Reads the body after 354 into the sink; returns the reply to give.
    asio::awaitable<Result<std::string>> receive_body();
    std::string trace_header() const;
    bool domain_accepted(std::string_view address) const;
    void reset_transaction();

    // Queues one reply; replies go out together when the provider has no
    // more pipelined commands waiting (RFC 2920).
    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply_lines(int code, const std::vector<std::string>& lines);
    asio::awaitable<Status> flush();
    asio::awaitable<Status> error_reply(int code, std::string_view enhanced, std::string_view text);

    net::Reader& reader_;
    deliver::Sink& sink_;
    const ServerConfig& config_;
    const Log& log_;

    State state_ = State::greeted;
    std::string output_;
    std::string client_name_;
    bool esmtp_ = false;
    std::size_t errors_ = 0;
    std::size_t unsent_acks_ = 0;  // 250s after DATA queued but not yet written
    deliver::Envelope envelope_;
    std::size_t declared_size_ = 0;
    DotDecoder decoder_;
    SessionReport report_;
};

}  // namespace odmr::smtp
