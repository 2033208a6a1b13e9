// The reversed-role SMTP server (RFC 2645 §5): after ATRN's 250 the provider
// becomes the client on the same connection and we receive its queued mail.
// An explicit state machine with a command table (after OpenSMTPD's
// smtp_session.c); a 250 after the body is sent only once the Sink made the
// message durable.
//
// Extensions: PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and
// BINARYMIME, SMTPUTF8, DSN. Never STARTTLS (the TLS session, if any, is the
// provider's already) and never AUTH.
//
// The parts: Transaction (one MAIL to its reply), BodyReceiver (DATA and
// BDAT data into the sink), Outbox (replies and group commit), and
// trace_header (our Received: field).
#pragma once

#include <asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "mail/sink.h"
#include "net/reader.h"
#include "smtp/body_receiver.h"
#include "smtp/command.h"
#include "smtp/outbox.h"
#include "smtp/refusal_log.h"
#include "smtp/resend_record.h"
#include "smtp/server_config.h"
#include "smtp/trace_header.h"
#include "smtp/transaction.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

// What happened in one reversed session.
struct SessionReport {
    std::size_t delivered = 0;  // messages acknowledged with 250
    std::size_t refused = 0;    // messages answered 4xx/5xx after their data (still the provider's)
    std::size_t failed = 0;     // of those, refused because the local delivery failed
    std::size_t commands = 0;   // commands received
    std::size_t octets = 0;     // message data of the delivered messages
    std::size_t duplicates = 0;  // offered again after a lost 250: answered 250, not stored
    bool quit = false;           // the provider said QUIT
};

class Server {
  public:
    // `record`, if any: duplicate suppression (resend_record.h), across sessions.
    Server(net::Reader& reader, mail::Sink& sink, const ServerConfig& config, const Log& log,
           ResendRecord* record = nullptr);

    // Runs the session to its end. An error means a message was cut off or
    // the provider misbehaved past our limits; acknowledged messages are safe
    // either way. A provider that goes away before its first command is not
    // an error (Exim's "bare QUIT"): commands stays 0.
    asio::awaitable<Result<SessionReport>> run();
    // The counts so far, also after run() returned an error.
    const SessionReport& progress() const { return report_; }
    // The message arriving now: octets so far, and its SIZE= (0 if not given).
    std::size_t message_octets() const { return transaction_.size; }
    std::size_t message_declared_size() const { return transaction_.mail.size.value_or(0); }

  private:
    enum class State {
        greeted,  // waiting for EHLO/HELO
        ready,    // no transaction
        mail,     // MAIL accepted, no recipient yet
        rcpt,     // at least one recipient accepted
        chunks,   // BDAT chunks of the message are arriving
        done,     // QUIT, or we hung up
    };
    static const char* name(State state);
    void enter(State next);  // the only place the state changes
    void reset_transaction();
    void write_trace(mail::Envelope& envelope);

    asio::awaitable<Result<SessionReport>> serve();
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
    // Recipients: a reply that refuses the next one, or nothing.
    asio::awaitable<std::optional<mail::Reply>> admit_recipient(std::string_view address);

    // A message: begun at its data, finished (committed or refused) after it.
    asio::awaitable<Status> start_message();
    asio::awaitable<Status> refuse_chunk(std::size_t size);
    asio::awaitable<void> finish_message();
    asio::awaitable<Status> data_cut_off(const Error& error);
    mail::Reply delivery_failure(const Error& error, std::string_view generic) const;
    void refuse_message(const mail::Reply& reply, bool failed);
    void acknowledge(const Committed& message);
    void suppress_duplicate(const Fingerprint& fingerprint);

    // Syncs the sink for the staged messages (group commit), then writes
    // every queued reply.
    asio::awaitable<Status> sync_and_send();
    asio::awaitable<Status> error_reply(int code, std::string_view enhanced, std::string_view text);
    asio::awaitable<Status> hang_up(std::string_view enhanced, const std::string& text, Errc why);
    // The run is stopping (Stream::stop_reading): drop an incomplete message,
    // answer 421 4.3.2 after the replies due, and end with Errc::stopped.
    asio::awaitable<Status> stop_session();

    net::Reader& reader_;
    mail::Sink& sink_;
    const ServerConfig& config_;
    const Log& log_;
    ResendRecord* record_;
    bool clean_end_ = false;  // QUIT, and every reply written
    Deadline deadline_;
    Outbox outbox_;
    BodyReceiver receiver_;

    State state_ = State::greeted;
    std::string client_name_;
    bool esmtp_ = false;
    std::size_t errors_ = 0;
    bool discarding_chunks_ = false;  // a BDAT failed: pipelined chunks after it are not errors
    std::uint64_t stored_ = 0;        // octets committed this session, copies counted
    Transaction transaction_;
    Trace trace_;               // our Received: field's parts, kept for the session
    bool trace_known_ = false;  // its peer address and TLS looked up
    std::string received_;      // its text: the buffer each message's envelope borrows
    SessionReport report_;
    RefusalLog refusals_{log_};  // refused recipients, summarised
};

}  // namespace odmr::smtp
