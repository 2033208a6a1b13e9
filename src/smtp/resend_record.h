// The record of acknowledged messages that the provider may send again
// (duplicate suppression after a lost 250, RFC 1047).
//
// Between our 250 after a message's data and the provider reading it there
// is a window: if the connection dies in it, the provider keeps the message
// and sends it again next time. So the fingerprint of each message we
// acknowledge (message_digest.h) is made durable here *after* the message is
// durable and *before* its 250 leaves; a message offered again whose
// fingerprint is here gets 250 without being stored a second time.
//
// The order is what keeps mail from being lost: an entry written before its
// message was durable, and a crash in between, would make us answer 250 to
// the copy sent again and drop it for ever. An entry written after the 250
// would leave the window open. A failure to write an entry costs at worst a
// duplicate, never a message: the 250 goes out anyway.
//
// Entries of a session that ended with QUIT after all our replies were
// written are dropped (the provider read every 250); those of a session that
// ended otherwise stay, at most `max_entries` (the newest) and `max_age`,
// pruned on load. The file has one line per entry,
// "<hex digest> <unix time> <provider queue id>"; a torn or corrupt line is
// ignored (logged once), never a reason to stop mail.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "smtp/message_digest.h"
#include "util/blocking_pool.h"
#include "util/log.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace odmr::smtp {

struct ResendLimits {
    std::size_t max_entries = 10000;
    std::chrono::seconds max_age = std::chrono::hours(24 * 30);
};

struct ResendEntry {
    Digest digest{};
    std::int64_t when = 0;  // unix time of the 250
    std::string trace;      // the provider's queue id
};

class ResendRecord {
  public:
    // Opens (creating, mode 0600) `directory`/`file`, which must not be a
    // symlink; loads and prunes its entries. `directory` must exist.
    static Result<ResendRecord> open(const std::string& directory, const std::string& file,
                                     const Log& log, ResendLimits limits = {},
                                     std::int64_t now = 0);

    const std::string& path() const { return path_; }
    std::size_t size() const { return entries_.size(); }
    bool contains(const Digest& digest) const { return index_.contains(digest); }

    // Appends `entries` in one write and fdatasyncs: durable on success.
    Status add(std::span<const ResendEntry> entries);
    // The same, with the write and the fdatasync on the pool given to
    // flush_on(), if any (util/blocking_pool.h); the caller waits for it.
    asio::awaitable<Status> store(std::span<const ResendEntry> entries);
    // Where store() runs its system calls; none (the default): inline.
    void flush_on(BlockingPool* pool) { pool_ = pool; }
    bool flushes_on_pool() const { return pool_ != nullptr; }
    // A message of this session matched `digest` (it was offered again).
    void matched(const Digest& digest) { session_.insert(digest); }
    // The session ended; `clean`: with QUIT, after all our replies were
    // written. Then this session's entries and matches are dropped.
    void end_session(bool clean);

  private:
    ResendRecord(std::string path, const Log& log, ResendLimits limits)
        : path_(std::move(path)), log_(&log), limits_(limits) {}
    bool load(std::string_view text, std::int64_t now);
    Status append(std::string_view text) const;
    void appended(std::span<const ResendEntry> entries);
    Status rewrite();
    Status reopen();

    std::string path_;
    const Log* log_;
    ResendLimits limits_;
    UniqueFd fd_;                       // O_APPEND
    std::vector<ResendEntry> entries_;  // oldest first
    std::set<Digest> index_;
    std::set<Digest> session_;  // added or matched in the session running now
    BlockingPool* pool_ = nullptr;
};

// An account name as a file name: letters, digits and ".-_@+" kept, anything
// else (and a leading dot) becomes '_'.
std::string safe_file_name(std::string_view name);

}  // namespace odmr::smtp
