// Delivery into Maildirs, one per recipient or shared, chosen by a path
// pattern with {recipient}, {local} and {domain} (deliver/placeholders).
//
// A message is written once to tmp/ of the first Maildir while it arrives;
// at commit() every other Maildir gets its own copy (its own header block,
// the body copied in the kernel). At sync() (group commit, mail/sink.h)
// the files of every message committed since the last sync are made
// durable together (fsync, or one syncfs per file system), linked into new/,
// and each new/ is fsynced once. Only then may the server acknowledge them.
// Each copy starts with Return-Path and one Delivered-To per recipient
// stored in it. Any failure removes every copy, including those already in
// new/, and is temporary: all recipients or none, so one reply is right.
// Stored lines end in LF, as mail readers and Dovecot expect.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "deliver/line_ends.h"
#include "deliver/maildir_name.h"
#include "mail/sink.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

class MaildirSink final : public mail::Sink {
  public:
    // `pattern` is a path, "~" already expanded, maybe with placeholders.
    MaildirSink(std::string pattern, std::string hostname, const Log& log);
    ~MaildirSink() override;

    asio::awaitable<Status> begin(const mail::Envelope& envelope) override;
    asio::awaitable<Status> write(std::span<const char> bytes) override;
    asio::awaitable<Status> commit() override;
    void abort() override;
    bool batches() const override { return true; }
    asio::awaitable<Status> sync() override;
    void withdraw() override;

  private:
    struct Copy {
        std::string maildir;
        std::vector<std::string> recipients;
        std::string tmp;        // path of our file in tmp/, empty when none
        std::string published;  // path in new/ once linked
    };

    Status prepare(const std::string& maildir);
    std::string head(const Copy& copy) const;
    Status flush_buffer();
    Status write_copy(Copy& copy);
    Status flush_staged();
    Status publish_all();
    void unpublish_all();
    Status fail(Error error);

    std::string pattern_;
    MaildirNamer namer_;
    const Log& log_;
    std::set<std::string> ready_;  // Maildirs checked (and tmp/ cleaned) in this run

    std::string sender_;
    std::string received_;      // our Received: field with LF line ends
    std::vector<Copy> copies_;  // the message being written
    std::vector<Copy> staged_;  // copies of committed messages, waiting for sync()
    UniqueFd first_;            // the first copy, written while the message arrives
    std::size_t body_offset_ = 0;
    std::size_t body_size_ = 0;
    std::string buffer_;
    LfConverter lf_;
};

}  // namespace odmr::deliver
