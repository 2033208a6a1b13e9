#include "deliver/maildir_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "deliver/maildir.h"
#include "deliver/placeholders.h"
#include "deliver/write_size.h"

namespace odmr::deliver {
namespace {

UniqueFd create_exclusive(const std::string& path) {
    // Read and write: the first copy is read back for the others.
    return UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
}

std::string lf_only(std::string_view crlf) {
    std::string out;
    LfConverter converter;
    converter.convert(crlf, out);
    converter.finish(out);
    return out;
}

}  // namespace

MaildirSink::MaildirSink(std::string pattern, std::string hostname, const Log& log)
    : pattern_(std::move(pattern)), namer_(std::move(hostname)), log_(log) {}

MaildirSink::~MaildirSink() {
    abort();
    withdraw();
}

Status MaildirSink::fail(Error error) {
    abort();
    return error;
}

Status MaildirSink::prepare(const std::string& maildir) {
    if (ready_.contains(maildir)) return {};
    if (auto made = ensure_maildir(maildir); !made) return made;
    clean_stale_tmp(maildir, stale_tmp_age, log_);
    ready_.insert(maildir);
    return {};
}

std::string MaildirSink::head(const Copy& copy) const {
    std::string out = "Return-Path: <" + sender_ + ">\n";
    for (const auto& recipient : copy.recipients) out += "Delivered-To: " + recipient + "\n";
    return out + received_;
}

asio::awaitable<Status> MaildirSink::begin(const mail::Envelope& envelope) {
    abort();
    sender_ = envelope.sender;
    received_ = lf_only(envelope.received);
    for (const auto& recipient : envelope.recipients) {
        std::string maildir = expand_path(pattern_, address_fields(envelope.sender, recipient));
        auto same = std::find_if(copies_.begin(), copies_.end(),
                                 [&](const Copy& c) { return c.maildir == maildir; });
        if (same == copies_.end())
            copies_.push_back({maildir, {recipient}, {}, {}});
        else
            same->recipients.push_back(recipient);
    }
    if (copies_.empty())
        co_return make_error(Errc::software, "Maildir delivery without recipients");
    for (const auto& copy : copies_) {
        if (auto ready = prepare(copy.maildir); !ready) co_return fail(ready.error());
    }
    Copy& first = copies_.front();
    std::string tmp = first.maildir + "/tmp/" + namer_.next();
    first_ = create_exclusive(tmp);
    if (!first_.valid()) {
        int e = errno;
        ready_.erase(first.maildir);  // the Maildir may have gone; look again next time
        co_return fail(storage_error(e, "cannot create " + tmp));
    }
    first.tmp = tmp;
    buffer_ = head(first);
    body_offset_ = buffer_.size();
    body_size_ = 0;
    lf_.reset();
    co_return Status{};
}

asio::awaitable<Status> MaildirSink::write(std::span<const char> bytes) {
    if (!first_.valid()) co_return make_error(Errc::software, "Maildir write without begin");
    std::size_t before = buffer_.size();
    lf_.convert(bytes, buffer_);
    body_size_ += buffer_.size() - before;
    if (buffer_.size() >= write_size) co_return flush_buffer();
    co_return Status{};
}

Status MaildirSink::flush_buffer() {
    auto written = write_all(first_.get(), buffer_, copies_.front().tmp);
    buffer_.clear();
    if (!written) return fail(written.error());
    return {};
}

// Another Maildir's own file: its header block, then the body of the first.
Status MaildirSink::write_copy(Copy& copy) {
    copy.tmp = copy.maildir + "/tmp/" + namer_.next();
    UniqueFd file = create_exclusive(copy.tmp);
    if (!file.valid()) {
        int e = errno;
        std::string path = std::exchange(copy.tmp, {});
        ready_.erase(copy.maildir);
        return storage_error(e, "cannot create " + path);
    }
    if (auto w = write_all(file.get(), head(copy), copy.tmp); !w) return w;
    if (auto c = copy_range(first_.get(), static_cast<off_t>(body_offset_), body_size_, file.get(),
                            copy.tmp);
        !c)
        return c;
    if (file.close() != 0) return storage_error(errno, "cannot close " + copy.tmp);
    return {};  // made durable by sync()
}

// Finishes every copy of the message in tmp/; sync() makes them durable and
// publishes them, together with the other messages committed before it.
asio::awaitable<Status> MaildirSink::commit() {
    if (!first_.valid()) co_return make_error(Errc::software, "Maildir commit without begin");
    std::size_t before = buffer_.size();
    lf_.finish(buffer_);
    body_size_ += buffer_.size() - before;
    if (auto flushed = flush_buffer(); !flushed) co_return flushed;
    for (std::size_t i = 1; i < copies_.size(); ++i) {
        if (auto copied = write_copy(copies_[i]); !copied) co_return fail(copied.error());
    }
    const std::string& first_tmp = copies_.front().tmp;
    if (first_.close() != 0) co_return fail(storage_error(errno, "cannot close " + first_tmp));
    for (auto& copy : copies_) staged_.push_back(std::move(copy));
    copies_.clear();
    co_return Status{};
}

// Makes every staged file durable — one fsync for a single file, else one
// syncfs(2) per file system (a batch costs one disk flush, not one per
// message) — then links them all into new/ and fsyncs each new/ once.
asio::awaitable<Status> MaildirSink::sync() {
    if (staged_.empty()) co_return Status{};
    if (auto durable = flush_staged(); !durable) {
        withdraw();
        co_return durable;
    }
    if (auto published = publish_all(); !published) {
        withdraw();
        co_return published;
    }
    for (auto& copy : staged_) ::unlink(copy.tmp.c_str());
    staged_.clear();
    co_return Status{};
}

Status MaildirSink::flush_staged() {
    if (staged_.size() == 1) {
        const std::string& tmp = staged_.front().tmp;
        UniqueFd file(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!file.valid() || ::fsync(file.get()) != 0)
            return storage_error(errno, "cannot fsync " + tmp);
        return {};
    }
    std::set<dev_t> synced;
    for (const auto& copy : staged_) {
        std::string tmp_dir = copy.maildir + "/tmp";
        UniqueFd dir(::open(tmp_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat st {};
        if (!dir.valid() || ::fstat(dir.get(), &st) != 0)
            return storage_error(errno, "cannot open " + tmp_dir);
        if (!synced.insert(st.st_dev).second) continue;
        if (::syncfs(dir.get()) != 0)
            return storage_error(errno, "cannot sync the file system of " + tmp_dir);
    }
    return {};
}

// Links every staged copy into new/, then fsyncs each new/ once. On any
// failure the links already made are removed again (a retry must not
// double them).
Status MaildirSink::publish_all() {
    std::set<std::string> directories;
    for (auto& copy : staged_) {
        std::string name = copy.tmp.substr(copy.tmp.rfind('/') + 1);
        std::string target = copy.maildir + "/new/" + name;
        // link(2) never replaces an existing file, unlike rename(2).
        if (::link(copy.tmp.c_str(), target.c_str()) != 0) {
            int e = errno;
            bool no_links = e == EPERM || e == ENOSYS || e == EOPNOTSUPP;
            // A file system without hard links: the unique name makes rename safe.
            if (!no_links || ::rename(copy.tmp.c_str(), target.c_str()) != 0) {
                unpublish_all();
                return storage_error(no_links ? errno : e,
                                     "cannot move the message into " + copy.maildir + "/new");
            }
        }
        copy.published = target;
        directories.insert(copy.maildir + "/new");
    }
    for (const auto& directory : directories) {
        if (auto synced = fsync_directory(directory); !synced) {
            // In new/ but maybe not on disk: the provider must keep the messages.
            unpublish_all();
            return synced;
        }
    }
    return {};
}

void MaildirSink::unpublish_all() {
    for (auto& copy : staged_) {
        if (copy.published.empty()) continue;
        ::unlink(copy.published.c_str());
        copy.published.clear();
    }
}

void MaildirSink::withdraw() {
    unpublish_all();
    for (const auto& copy : staged_) {
        if (!copy.tmp.empty()) ::unlink(copy.tmp.c_str());
    }
    staged_.clear();
}

void MaildirSink::abort() {
    first_.reset();
    for (const auto& copy : copies_) {
        if (!copy.tmp.empty()) ::unlink(copy.tmp.c_str());
    }
    copies_.clear();
    buffer_.clear();
    lf_.reset();
}

}  // namespace odmr::deliver
