// Delivery into Maildirs, one per recipient or shared, chosen by a path
// pattern with {recipient}, {local} and {domain} (deliver/placeholders).
//
// A message is written once to tmp/ of the first Maildir while it arrives;
// at commit() every other Maildir gets its own copy (its own header block,
// the body copied in the kernel). At sync() (group commit, mail/sink.h)
// the files of every message committed since the last sync are made
// durable together (fsync, or one syncfs per file system), moved into new/
// (never replacing a file there), and each new/ is fsynced once. Only then
// may the server acknowledge them. Each copy starts with Return-Path and one
// Delivered-To per recipient stored in it. Any failure removes every copy,
// including those already in new/, and is temporary: all recipients or none,
// so one reply is right. Stored lines end in LF, as mail readers and Dovecot
// expect.
//
// Safety against local users (deliver/safe_path, deliver/maildir): every
// Maildir is opened without following links its owner could have placed,
// all file work is relative to its tmp/ and new/ descriptors, and when we
// run as root each file is given to the owner of its Maildir before it is
// published. At RCPT, check_recipient() refuses just that recipient when its
// Maildir name cannot exist (553), its Maildir is unsafe (450), missing
// with `existing_only` (550) or its file system is short of room (452).
// A Maildir already opened in this run is vetted through its open
// descriptors (the safe walk's result) and its room through a RoomCache,
// so a RCPT costs no path walk and, mostly, no statvfs.
//
// The blocking part of sync() (the flush, the renames, the fsync of each
// new/) runs on `pool` when there is one (util/blocking_pool.h), so other
// sessions on the I/O thread go on meanwhile; the session waits for it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deliver/line_ends.h"
#include "deliver/maildir.h"
#include "deliver/maildir_name.h"
#include "deliver/room_cache.h"
#include "deliver/write_behind.h"
#include "deliver/write_buffer.h"
#include "mail/sink.h"
#include "util/blocking_pool.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace odmr::deliver {

struct MaildirOptions {
    bool existing_only = false;  // refuse recipients whose Maildir does not exist (550 5.1.1)
};

class MaildirSink final : public mail::Sink {
  public:
    // `pattern` is a path, "~" already expanded, maybe with placeholders.
    // `pool`, if any, runs sync()'s system calls (none: inline).
    MaildirSink(std::string pattern, std::string hostname, const Log& log,
                MaildirOptions options = {}, BlockingPool* pool = nullptr);
    ~MaildirSink() override;

    asio::awaitable<std::optional<mail::Reply>> check_recipient(
        std::string_view recipient, std::uint64_t declared_size) override;
    asio::awaitable<Status> begin(const mail::Envelope& envelope) override;
    asio::awaitable<Status> write(std::span<const char> bytes) override;
    asio::awaitable<Status> commit() override;
    void abort() override;
    std::size_t copies(std::size_t recipients) const override;
    bool batches() const override { return true; }
    asio::awaitable<Status> sync() override;
    void withdraw() override;

  private:
    struct Copy {
        std::string path;  // of the Maildir
        std::shared_ptr<const OpenMaildir> maildir;
        std::vector<std::string> recipients;
        std::string name;        // of our file in tmp/, empty when none
        bool published = false;  // in new/ under the same name
        bool moved = false;      // published by a rename: tmp/ no longer has it
        UniqueFd file;           // held for sync()'s fsync while it is the only one staged
    };

    std::optional<mail::Reply> vet(const std::string& path, std::uint64_t size);
    std::optional<mail::Reply> vet_room(const std::string& path, int dir, std::uint64_t size);
    Result<std::shared_ptr<const OpenMaildir>> prepare(const std::string& path);
    Result<UniqueFd> create_file(Copy& copy);
    void forget_unused();
    std::string head(const Copy& copy) const;
    Status flush_buffer();
    Status write_copy(Copy& copy);
    void release_files();
    asio::awaitable<Status> sync_here();
    asio::awaitable<Status> sync_on_pool();
    Status store_staged();
    Status stored(Status outcome);
    Status flush_staged();
    Status publish_all();
    void unpublish_all();
    Status fail(Error error);

    std::string pattern_;
    MaildirNamer namer_;
    const Log& log_;
    MaildirOptions options_;
    BlockingPool* pool_;
    // Maildirs opened (and tmp/ cleaned) in this run, by path; those not in
    // use are closed again when there are many.
    std::map<std::string, std::shared_ptr<const OpenMaildir>> open_;
    RoomCache rooms_;  // the free space of each Maildir's file system

    std::string sender_;
    std::string received_;      // our Received: field with LF line ends
    std::vector<Copy> copies_;  // the message being written
    std::vector<Copy> staged_;  // copies of committed messages, waiting for sync()
    UniqueFd first_;            // the first copy, written while the message arrives
    std::size_t body_offset_ = 0;
    std::size_t body_size_ = 0;
    WriteBuffer buffer_;  // room for a whole piece beyond write_size
    LfConverter lf_;
    WriteBehind behind_;  // of the first copy, while the message arrives

    // A staged file's close(2) failed: the next sync() fails.
    std::optional<Error> close_failed_;
};

}  // namespace odmr::deliver
