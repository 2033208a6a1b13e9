#include "deliver/maildir_sink.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <system_error>
#include <utility>

#include "deliver/free_space.h"
#include "deliver/placeholders.h"
#include "deliver/write_size.h"

namespace odmr::deliver {
namespace {

constexpr std::size_t max_idle_open = 64;  // Maildirs kept open while not in use

// The envelope's addresses become header fields: the SMTP parser refused
// control characters in them, and a header is only written when that holds.
bool fits_a_header(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::string lf_only(std::string_view crlf) {
    std::string out;
    LfConverter converter;
    converter.convert(crlf, out);
    converter.finish(out);
    return out;
}

// Each open Maildir holds two descriptors: a message for many recipients
// with their own Maildirs needs more than the usual soft limit of 1024.
void raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

// Whether a Maildir at `path` can exist, and its files be named by a
// reader: each component fits NAME_MAX, the path of a file in it PATH_MAX.
bool name_fits(const TrustedPath& where, std::size_t file_name) {
    for (const auto& part : where.below)
        if (part.size() > NAME_MAX) return false;
    return where.full().size() + std::strlen("/tmp/") + file_name < PATH_MAX;
}

}  // namespace

MaildirSink::MaildirSink(std::string pattern, std::string hostname, const Log& log,
                         MaildirOptions options, BlockingPool* pool)
    : pattern_(std::move(pattern)),
      namer_(std::move(hostname)),
      log_(log),
      options_(options),
      pool_(pool),
      buffer_(2 * write_size + 1) {
    raise_file_limit();
}

MaildirSink::~MaildirSink() {
    abort();
    withdraw();
}

std::size_t MaildirSink::copies(std::size_t recipients) const {
    // At most one file per Maildir, and a path that names no recipient is one Maildir.
    return names_recipient(pattern_) ? recipients : 1;
}

Status MaildirSink::fail(Error error) {
    abort();
    return error;
}

asio::awaitable<std::optional<mail::Reply>> MaildirSink::check_recipient(
    std::string_view recipient, std::uint64_t declared_size) {
    co_return vet(expand_path(pattern_, address_fields("", recipient)), declared_size);
}

// The recipient's Maildir as RCPT sees it; the log names the Maildir (built
// from escaped components), never the raw address.
std::optional<mail::Reply> MaildirSink::vet(const std::string& path, std::uint64_t size) {
    // A Maildir opened in this run was walked safely then, and its
    // descriptors are that walk's result: only its room is looked at again.
    if (auto known = open_.find(path); known != open_.end())
        return vet_room(path, known->second->tmp.get(), size);
    TrustedPath where = split_trusted(pattern_, path);
    if (!name_fits(where, namer_.next().size())) {
        log_.warning("recipient refused: the Maildir name " + path + " is too long");
        return mail::Reply{553, "5.1.3", "Mailbox name too long for the local file system"};
    }
    // Only a link is refused here; other trouble with the Maildir (a file in
    // its place, permissions) fails the message at begin(), all recipients.
    auto walked = walk_existing(where);
    if (!walked) return std::nullopt;
    bool exists = walked->reached == where.below.size();
    Status safe = walked->refused ? Status(*walked->refused)
                  : exists        ? check_subdirectories(walked->dir.get(), path)
                                  : Status{};
    if (!safe) {
        log_.error("recipient refused for now: " + safe.error().message());
        return mail::Reply{450, "4.2.0", "Mailbox unavailable"};
    }
    if (!exists && options_.existing_only) {
        log_.warning("recipient refused: no Maildir " + path + " (--maildir-existing-only)");
        return mail::Reply{550, "5.1.1", "No such mailbox"};
    }
    return vet_room(path, walked->dir.get(), size);
}

std::optional<mail::Reply> MaildirSink::vet_room(const std::string& path, int dir,
                                                 std::uint64_t size) {
    auto room = rooms_.check(path, dir, size);
    if (!room || !room->enough) {
        log_.warning("recipient refused for now: no room in the file system of " + path + ": " +
                     (room ? room->why : room.error().message()));
        return mail::Reply{452, "4.3.1", "Insufficient system storage"};
    }
    return std::nullopt;
}

Result<std::shared_ptr<const OpenMaildir>> MaildirSink::prepare(const std::string& path) {
    if (auto known = open_.find(path); known != open_.end()) return known->second;
    auto opened = open_maildir(split_trusted(pattern_, path), !options_.existing_only);
    if (!opened) return opened.error();
    auto maildir = std::make_shared<const OpenMaildir>(std::move(*opened));
    clean_stale_tmp(*maildir, stale_tmp_age, log_);
    open_.emplace(path, maildir);
    return maildir;
}

void MaildirSink::forget_unused() {
    if (open_.size() <= max_idle_open) return;
    std::erase_if(open_, [](const auto& entry) { return entry.second.use_count() == 1; });
}

std::string MaildirSink::head(const Copy& copy) const {
    std::string out = "Return-Path: <" + sender_ + ">\n";
    for (const auto& recipient : copy.recipients) out += "Delivered-To: " + recipient + "\n";
    return out + received_;
}

// A new file in the copy's tmp/ (read and write: the first copy is read
// back for the others), given to the Maildir's owner before anything else.
Result<UniqueFd> MaildirSink::create_file(Copy& copy) {
    std::string name = namer_.next();
    std::string shown = copy.path + "/tmp/" + name;
    int tmp = copy.maildir->tmp.get();
    UniqueFd file(
        ::openat(tmp, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!file.valid()) {
        int e = errno;
        open_.erase(copy.path);  // the Maildir may have gone; look again next time
        return storage_error(e, "cannot create " + shown);
    }
    copy.name = name;
    rooms_.wrote(0, 1);
    if (auto owned = copy.maildir->adopt(file.get(), shown); !owned) return owned.error();
    return file;
}

asio::awaitable<Status> MaildirSink::begin(const mail::Envelope& envelope) {
    abort();
    if (!fits_a_header(envelope.sender) ||
        !std::all_of(envelope.recipients.begin(), envelope.recipients.end(), fits_a_header))
        co_return make_error(Errc::software, "control character in an envelope address");
    sender_ = envelope.sender;
    received_ = lf_only(envelope.received);
    for (const auto& recipient : envelope.recipients) {
        std::string path = expand_path(pattern_, address_fields(envelope.sender, recipient));
        auto same = std::find_if(copies_.begin(), copies_.end(),
                                 [&](const Copy& c) { return c.path == path; });
        if (same == copies_.end())
            copies_.push_back({path, nullptr, {recipient}, {}, false, false, {}});
        else
            same->recipients.push_back(recipient);
    }
    if (copies_.empty())
        co_return make_error(Errc::software, "Maildir delivery without recipients");
    for (auto& copy : copies_) {
        auto ready = prepare(copy.path);
        if (!ready) co_return fail(ready.error());
        copy.maildir = std::move(*ready);
    }
    auto file = create_file(copies_.front());
    if (!file) co_return fail(file.error());
    first_ = std::move(*file);
    buffer_.clear();
    buffer_.append(head(copies_.front()));
    body_offset_ = buffer_.size();
    body_size_ = 0;
    behind_.reset(copies_.size() == 1);  // other copies are read back from the first
    lf_.reset();
    co_return Status{};
}

asio::awaitable<Status> MaildirSink::write(std::span<const char> bytes) {
    if (!first_.valid()) co_return make_error(Errc::software, "Maildir write without begin");
    while (!bytes.empty()) {
        auto piece = bytes.first(std::min(bytes.size(), write_size));
        buffer_.reserve_room(LfConverter::most(piece.size()));
        char* end = lf_.convert(piece, buffer_.tail());
        auto converted = static_cast<std::size_t>(end - buffer_.tail());
        buffer_.grow(converted);
        body_size_ += converted;
        bytes = bytes.subspan(piece.size());
        if (buffer_.size() >= write_size)
            if (auto flushed = flush_buffer(); !flushed) co_return flushed;
    }
    co_return Status{};
}

Status MaildirSink::flush_buffer() {
    const Copy& first = copies_.front();
    std::string shown = first.path + "/tmp/" + first.name;
    auto written = write_all(first_.get(), buffer_.view(), shown);
    rooms_.wrote(buffer_.size());
    if (written) written = behind_.wrote(first_.get(), buffer_.size(), shown);
    buffer_.clear();
    if (!written) return fail(written.error());
    return {};
}

// Another Maildir's own file: its header block, then the body of the first.
Status MaildirSink::write_copy(Copy& copy) {
    auto file = create_file(copy);
    if (!file) return file.error();
    std::string shown = copy.path + "/tmp/" + copy.name;
    std::string header = head(copy);
    if (auto w = write_all(file->get(), header, shown); !w) return w;
    rooms_.wrote(header.size() + body_size_);
    if (auto c = copy_range(first_.get(), static_cast<off_t>(body_offset_), body_size_, file->get(),
                            shown);
        !c)
        return c;
    if (file->close() != 0) return storage_error(errno, "cannot close " + shown);
    return {};  // made durable by sync()
}

// Finishes every copy of the message in tmp/; sync() makes them durable and
// publishes them, together with the other messages committed before it.
asio::awaitable<Status> MaildirSink::commit() {
    if (!first_.valid()) co_return make_error(Errc::software, "Maildir commit without begin");
    buffer_.reserve_room(1);
    char* end = lf_.finish(buffer_.tail());
    auto held = static_cast<std::size_t>(end - buffer_.tail());
    buffer_.grow(held);
    body_size_ += held;
    if (auto flushed = flush_buffer(); !flushed) co_return flushed;
    for (std::size_t i = 1; i < copies_.size(); ++i) {
        if (auto copied = write_copy(copies_[i]); !copied) co_return fail(copied.error());
    }
    copies_.front().file = std::move(first_);  // sync() fsyncs it without opening it again
    for (auto& copy : copies_) staged_.push_back(std::move(copy));
    copies_.clear();
    if (staged_.size() > 1) release_files();  // sync() will use syncfs
    co_return Status{};
}

// Closes the staged files' descriptors. close(2) can report a deferred
// write error (NFS): that fails the next sync, which withdraws the batch.
void MaildirSink::release_files() {
    for (auto& copy : staged_) {
        if (copy.file.valid() && copy.file.close() != 0 && !close_failed_)
            close_failed_ = storage_error(errno, "cannot close " + copy.path + "/tmp/" + copy.name);
    }
}

// Makes every staged file durable — one fsync for a single file, else one
// syncfs(2) per file system (a batch costs one disk flush, not one per
// message) — then moves them all into new/ and fsyncs each new/ once:
// here and now, or on the pool (maildir_sink_pool.cpp).
asio::awaitable<Status> MaildirSink::sync() {
    if (pool_ != nullptr) return sync_on_pool();
    return sync_here();
}

asio::awaitable<Status> MaildirSink::sync_here() {
    if (staged_.empty()) co_return Status{};
    if (close_failed_) co_return stored(*std::exchange(close_failed_, std::nullopt));
    co_return stored(store_staged());
}

// The system calls of sync(), and nothing else: on the pool, this runs on a
// worker thread (no logging, no other state).
Status MaildirSink::store_staged() {
    if (auto durable = flush_staged(); !durable) return durable;
    if (auto published = publish_all(); !published) return published;
    for (auto& copy : staged_) {
        if (!copy.moved) ::unlinkat(copy.maildir->tmp.get(), copy.name.c_str(), 0);
    }
    return {};
}

// After store_staged() (or a failed close): the batch is done with, or
// withdrawn whole.
Status MaildirSink::stored(Status outcome) {
    if (!outcome) {
        withdraw();
        return outcome;
    }
    staged_.clear();
    forget_unused();
    return {};
}

Status MaildirSink::flush_staged() {
    if (staged_.size() == 1) {
        Copy& copy = staged_.front();
        if (!copy.file.valid())
            copy.file = UniqueFd(::openat(copy.maildir->tmp.get(), copy.name.c_str(),
                                          O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!copy.file.valid() || ::fsync(copy.file.get()) != 0)
            return storage_error(errno, "cannot fsync " + copy.path + "/tmp/" + copy.name);
        if (copy.file.close() != 0)
            return storage_error(errno, "cannot close " + copy.path + "/tmp/" + copy.name);
        return {};
    }
    std::set<dev_t> synced;
    for (const auto& copy : staged_) {
        if (!synced.insert(copy.maildir->device).second) continue;
        if (::syncfs(copy.maildir->tmp.get()) != 0)
            return storage_error(errno, "cannot sync the file system of " + copy.path);
    }
    return {};
}

// Moves every staged copy into new/, then fsyncs each new/ once. On any
// failure the copies already in new/ are removed again (a retry must not
// double them).
Status MaildirSink::publish_all() {
    std::set<const OpenMaildir*> directories;
    for (auto& copy : staged_) {
        if (auto moved = publish_file(*copy.maildir, copy.name, copy.moved); !moved) {
            unpublish_all();
            return moved;
        }
        copy.published = true;
        directories.insert(copy.maildir.get());
    }
    for (const auto* maildir : directories) {
        if (::fsync(maildir->fresh.get()) != 0) {
            // In new/ but maybe not on disk: the provider must keep the messages.
            int e = errno;
            unpublish_all();
            return storage_error(e, "cannot fsync directory " + maildir->path + "/new");
        }
    }
    return {};
}

void MaildirSink::unpublish_all() {
    for (auto& copy : staged_) {
        if (!copy.published) continue;
        ::unlinkat(copy.maildir->fresh.get(), copy.name.c_str(), 0);
        copy.published = false;
    }
}

void MaildirSink::withdraw() {
    unpublish_all();
    for (const auto& copy : staged_) {
        if (!copy.name.empty() && !copy.moved)
            ::unlinkat(copy.maildir->tmp.get(), copy.name.c_str(), 0);
    }
    staged_.clear();
    close_failed_.reset();
    forget_unused();
}

void MaildirSink::abort() {
    first_.reset();
    for (const auto& copy : copies_) {
        if (!copy.name.empty()) ::unlinkat(copy.maildir->tmp.get(), copy.name.c_str(), 0);
    }
    copies_.clear();
    buffer_.clear();
    lf_.reset();
}

}  // namespace odmr::deliver
