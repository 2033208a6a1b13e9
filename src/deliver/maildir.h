// Delivery into a Maildir: each message is written to tmp/ under a unique
// name; at sync() the files are made durable (fsync, or one syncfs for a
// batch), linked into new/, and new/ is fsynced — only then may the server
// acknowledge them. commit() only finishes the file (group commit: see
// deliver/sink.h). A failure at any step removes the files and is
// temporary, so the provider keeps the messages; new/ never holds a partial
// file. Stored lines end in LF, as mail readers and Dovecot expect.
#pragma once

#include <string>
#include <vector>

#include "deliver/line_ends.h"
#include "deliver/maildir_name.h"
#include "deliver/sink.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

// Creates `path` (and missing parents) with cur/, new/ and tmp/, mode 0700.
Status ensure_maildir(const std::string& path);

class MaildirSink final : public Sink {
  public:
    MaildirSink(std::string path, std::string hostname, const Log& log);
    ~MaildirSink() override;

    asio::awaitable<Status> begin(const Envelope& envelope) override;
    asio::awaitable<Status> write(std::span<const char> bytes) override;
    asio::awaitable<Status> commit() override;
    void abort() override;
    bool batches() const override { return true; }
    asio::awaitable<Status> sync() override;
    void withdraw() override;

  private:
    Status append(std::span<const char> crlf_bytes);  // CRLF → LF, written in large blocks
    Status flush_buffer();
    Status fail(int error_number, const std::string& what);

    std::string path_;
    MaildirNamer namer_;
    const Log& log_;
    bool checked_ = false;
    UniqueFd file_;
    std::string name_;                 // the message being written, in tmp/
    std::vector<std::string> staged_;  // complete in tmp/, waiting for sync()
    std::string buffer_;
    CrlfToLf line_ends_;
};

}  // namespace odmr::deliver
