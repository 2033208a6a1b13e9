// Delivery through a local delivery agent (procmail, maildrop, dovecot-lda,
// an MTA's sendmail): a program run without a shell, once per message or,
// when its arguments name the recipient ({recipient}, {local}, {domain}),
// once per recipient — then the server takes one recipient per transaction.
//
// The message is spooled to an unlinked file while it arrives and the
// program starts only once it is complete, so it never sees part of a
// message that was then cut off. Its standard input is our Received: field
// and the message, with LF line ends; its output goes to our log; SENDER
// (and, per recipient, RECIPIENT, LOCAL and DOMAIN) are in its environment.
// The exit status is read like Postfix's pipe(8) reads it (mda_outcome).
#pragma once

#include <string>
#include <vector>

#include "deliver/child_process.h"
#include "deliver/line_ends.h"
#include "mail/sink.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

struct MdaConfig {
    std::vector<std::string> argv;  // with placeholders
    Duration timeout = std::chrono::minutes(5);
    std::string spool_directory = "/tmp";
};

// What one run of the program means for the message.
struct MdaOutcome {
    bool delivered = false;
    bool permanent = false;  // certain never to succeed: the provider may bounce
    mail::Reply reply;       // for the provider when not delivered
};

// 0 delivered; EX_DATAERR, EX_NOUSER, EX_NOHOST, EX_UNAVAILABLE,
// EX_PROTOCOL and EX_NOPERM are about the message or recipient: permanent.
// Every other status, a signal or a timeout is temporary — including the
// sysexits that describe a local fault (EX_USAGE, EX_SOFTWARE, EX_CONFIG,
// EX_CANTCREAT, EX_IOERR...), which an administrator can fix.
MdaOutcome mda_outcome(const ChildExit& exit);

// The sendmail shorthand: "sendmail -oi -f {sender} -- {recipient}".
std::vector<std::string> sendmail_argv(std::string program = "/usr/sbin/sendmail");

class MdaSink final : public mail::Sink {
  public:
    MdaSink(MdaConfig config, const Log& log);

    // Postfix's allow_min_user = no: an address that reaches an argument
    // ({sender}; {recipient}, {local}) must not start with '-', or the
    // program would read it as an option (553 5.1.7 at MAIL, 553 5.1.3 at
    // RCPT). Addresses hold no control character (smtp/command).
    std::optional<mail::Reply> check_sender(std::string_view sender) const override;
    asio::awaitable<std::optional<mail::Reply>> check_recipient(std::string_view recipient,
                                                                std::uint64_t) override;
    asio::awaitable<Status> begin(const mail::Envelope& envelope) override;
    asio::awaitable<Status> write(std::span<const char> bytes) override;
    asio::awaitable<Status> commit() override;
    void abort() override;
    bool per_recipient_outcomes() const override { return per_recipient_; }
    const mail::Reply* failure_reply() const override {
        return failure_.code ? &failure_ : nullptr;
    }

  private:
    Status flush();
    asio::awaitable<Result<MdaOutcome>> run(const std::string& recipient);
    std::vector<std::string> environment(const std::string& recipient) const;

    MdaConfig config_;
    const Log& log_;
    bool per_recipient_ = false;
    bool names_sender_ = false;

    mail::Envelope envelope_;
    UniqueFd spool_;       // written while the message arrives
    UniqueFd spool_read_;  // the program's standard input
    std::string buffer_;
    LfConverter lf_;
    mail::Reply failure_;
};

}  // namespace odmr::deliver
