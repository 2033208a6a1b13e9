// The reversed-role SMTP server (RFC 2645 §5): after ATRN's 250 the provider
// becomes the client on the same connection and we receive its queued mail.
// An explicit state machine with a command table (after OpenSMTPD's
// smtp_session.c); every reply is formatted in one place; a 250 after the
// body is sent only once the Sink made the message durable.
//
// Extensions: PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and
// BINARYMIME, SMTPUTF8, DSN. Never STARTTLS (the TLS session, if any, is the
// provider's already) and never AUTH.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "mail/sink.h"
#include "net/reader.h"
#include "smtp/command.h"
#include "smtp/dot_decoder.h"
#include "smtp/params.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

struct ServerConfig {
    std::string hostname;              // our name in the greeting and trace headers
    std::vector<std::string> domains;  // recipients must be in one of these
    std::size_t max_message_size = 200 * 1024 * 1024;
    std::size_t max_recipients = 1000;    // per transaction
    std::size_t max_errors = 20;          // erroneous commands before we hang up
    std::size_t max_commands = 1000000;   // per session
    std::size_t max_line = 1000;          // command line octets, CRLF excluded
    std::size_t max_body_line = 1 << 20;  // message line octets, CRLF excluded
    Duration command_timeout = std::chrono::minutes(5);
    Duration data_timeout = std::chrono::minutes(5);   // per read of message data
    Duration session_timeout = std::chrono::hours(3);  // the whole reversed session
};

// What happened in one reversed session.
struct SessionReport {
    std::size_t delivered = 0;  // messages acknowledged with 250
    std::size_t rejected = 0;   // messages refused or failed (still the provider's)
    std::size_t failed = 0;     // of those, refused or failed by the local delivery
    std::size_t commands = 0;   // commands received
    bool quit = false;          // the provider said QUIT
};

class Server {
  public:
    Server(net::Reader& reader, mail::Sink& sink, const ServerConfig& config, const Log& log);

    // Runs the session to its end. An error means a message was cut off or
    // the provider misbehaved past our limits; acknowledged messages are safe
    // either way. A provider that goes away before its first command is not
    // an error (Exim's "bare QUIT"): commands stays 0.
    asio::awaitable<Result<SessionReport>> run();

  private:
    enum class State {
        greeted,  // waiting for EHLO/HELO
        ready,    // no transaction
        mail,     // MAIL accepted, no recipient yet
        rcpt,     // at least one recipient accepted
        chunks,   // BDAT chunks of the message are arriving
        done,     // QUIT, or we hung up
    };
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
    asio::awaitable<Status> on_bdat(std::string_view argument);
    asio::awaitable<Status> on_rset(std::string_view argument);
    asio::awaitable<Status> on_noop(std::string_view argument);
    asio::awaitable<Status> on_quit(std::string_view argument);
    asio::awaitable<Status> on_vrfy(std::string_view argument);
    asio::awaitable<Status> on_help(std::string_view argument);
    asio::awaitable<Status> on_not_offered(std::string_view argument);

    // Message data: DATA's dot-terminated body, or BDAT's counted chunks.
    asio::awaitable<Status> receive_dot_body();
    asio::awaitable<Status> receive_chunk(std::size_t size, bool keep);
    asio::awaitable<Status> start_message();
    asio::awaitable<Status> pass_body(bool final);
    asio::awaitable<void> finish_message();

    // A message committed to a batching sink, awaiting its sync (group commit).
    struct Staged {
        std::string id;
        std::string sender;
        std::size_t recipients = 0;
        std::size_t size = 0;
        std::size_t offset = 0;  // where its reply belongs in output_
    };
    asio::awaitable<Result<SessionReport>> serve();
    asio::awaitable<void> settle();  // sync the sink, then place each staged message's reply
    void acknowledge(const Staged& message);
    void fail_message(int code, std::string_view enhanced, const std::string& why);
    void count_refusal(bool local);
    void measure_lines(std::span<const char> data);  // --max-line-length for BDAT
    void refuse_delivery(const Error& error, std::string_view generic);

    std::string trace_header() const;
    bool domain_accepted(std::string_view address) const;
    void reset_transaction();
    Duration time_left(Duration limit) const;

    // Queues one reply; replies go out together when the provider has no
    // more pipelined commands waiting (RFC 2920).
    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply_lines(int code, const std::vector<std::string>& lines);
    void refuse(const mail::Reply& refusal) { reply(refusal.code, refusal.enhanced, refusal.text); }
    asio::awaitable<Status> flush();
    asio::awaitable<Status> error_reply(int code, std::string_view enhanced, std::string_view text);
    asio::awaitable<Status> hang_up(std::string_view enhanced, const std::string& text, Errc why);

    net::Reader& reader_;
    mail::Sink& sink_;
    const ServerConfig& config_;
    const Log& log_;
    std::chrono::steady_clock::time_point session_end_;

    State state_ = State::greeted;
    std::string output_;
    std::size_t unsent_acks_ = 0;  // 250s after message data queued but not yet written
    std::vector<Staged> staged_;
    std::string client_name_;
    bool esmtp_ = false;
    std::size_t errors_ = 0;
    bool discarding_chunks_ = false;  // a BDAT failed: pipelined chunks after it are not errors
    std::size_t line_ = 0;            // BDAT: octets of the current line so far
    std::size_t longest_line_ = 0;    // BDAT: the longest line so far
    bool bdat_cr_ = false;            // BDAT: the last octet seen was CR

    // The current transaction.
    mail::Envelope envelope_;
    MailParams mail_;
    bool begun_ = false;    // the sink has the message open
    std::size_t size_ = 0;  // octets of message data so far
    std::string body_;      // decoded data waiting to go to the sink
    Status body_status_;    // the first sink or limit failure of this message
    int fail_code_ = 0;     // the reply for that failure
    std::string fail_enhanced_;
    std::string fail_text_;
    DotDecoder decoder_;
    SessionReport report_;
};

}  // namespace odmr::smtp
