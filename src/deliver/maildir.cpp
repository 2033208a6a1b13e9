#include "deliver/maildir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace odmr::deliver {
namespace {

constexpr std::size_t write_size = 64 * 1024;

Error storage_error(int error_number, const std::string& what) {
    return make_error(Errc::storage, what + ": " + std::strerror(error_number));
}

Status fsync_directory(const std::string& path) {
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) return storage_error(errno, "cannot open directory " + path);
    if (::fsync(dir.get()) != 0) return storage_error(errno, "cannot fsync directory " + path);
    return {};
}

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// mkdir -p, fsyncing each parent whose entries changed.
Status make_directories(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return {};
        return make_error(Errc::storage, path + " exists and is not a directory");
    }
    if (errno != ENOENT) return storage_error(errno, "cannot access " + path);
    std::string parent = parent_of(path);
    if (parent != path) {
        if (auto made = make_directories(parent); !made) return made;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return storage_error(errno, "cannot create directory " + path);
    return fsync_directory(parent);
}

}  // namespace

Status ensure_maildir(const std::string& path) {
    for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
        if (auto made = make_directories(path + sub); !made) return made;
    }
    if (::access((path + "/tmp").c_str(), W_OK) != 0 ||
        ::access((path + "/new").c_str(), W_OK) != 0)
        return storage_error(errno, "Maildir " + path + " is not writable");
    return {};
}

MaildirSink::MaildirSink(std::string path, std::string hostname, const Log& log)
    : path_(std::move(path)), namer_(std::move(hostname)), log_(log) {}

MaildirSink::~MaildirSink() {
    abort();
    withdraw();
}

Status MaildirSink::fail(int error_number, const std::string& what) {
    Error error = storage_error(error_number, what);
    abort();
    return error;
}

asio::awaitable<Status> MaildirSink::begin(const Envelope& envelope) {
    abort();
    if (!checked_) {
        if (auto ready = ensure_maildir(path_); !ready) co_return ready;
        checked_ = true;
    }
    name_ = namer_.next();
    std::string tmp = path_ + "/tmp/" + name_;
    file_ =
        UniqueFd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!file_.valid()) {
        int e = errno;
        name_.clear();
        checked_ = false;  // the Maildir may have gone; look again next time
        co_return storage_error(e, "cannot create " + tmp);
    }
    buffer_.clear();
    buffer_.reserve(write_size + 4096);
    line_ends_.reset();
    std::string head = "Return-Path: <" + envelope.sender + ">\r\n" + envelope.received;
    co_return append(head);
}

asio::awaitable<Status> MaildirSink::write(std::span<const char> bytes) {
    if (!file_.valid()) co_return make_error(Errc::software, "Maildir write without begin");
    co_return append(bytes);
}

Status MaildirSink::append(std::span<const char> bytes) {
    line_ends_.convert(bytes, buffer_);
    if (buffer_.size() >= write_size) return flush_buffer();
    return {};
}

Status MaildirSink::flush_buffer() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        ssize_t n = ::write(file_.get(), buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errno, "cannot write to " + path_ + "/tmp/" + name_);
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return {};
}

asio::awaitable<Status> MaildirSink::commit() {
    if (!file_.valid()) co_return make_error(Errc::software, "Maildir commit without begin");
    line_ends_.finish(buffer_);
    if (auto flushed = flush_buffer(); !flushed) co_return flushed;
    if (file_.close() != 0) co_return fail(errno, "cannot close " + path_ + "/tmp/" + name_);
    staged_.push_back(std::move(name_));
    name_.clear();
    co_return Status{};
}

// Makes the staged files durable: one fsync for a single message, one
// syncfs(2) of the file system for a batch (fewer disk flushes for the same
// guarantee), then links them into new/ and fsyncs new/ once.
asio::awaitable<Status> MaildirSink::sync() {
    if (staged_.empty()) co_return Status{};
    std::vector<std::string> linked;
    auto undo = [&](int error_number, const std::string& what) {
        for (const auto& name : linked) ::unlink((path_ + "/new/" + name).c_str());
        withdraw();
        return storage_error(error_number, what);
    };
    std::string tmp_dir = path_ + "/tmp";
    if (staged_.size() == 1) {
        std::string tmp = tmp_dir + "/" + staged_.front();
        UniqueFd file(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!file.valid() || ::fsync(file.get()) != 0) co_return undo(errno, "cannot fsync " + tmp);
    } else {
        UniqueFd dir(::open(tmp_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir.valid() || ::syncfs(dir.get()) != 0)
            co_return undo(errno, "cannot sync " + tmp_dir);
    }
    for (const auto& name : staged_) {
        std::string tmp = tmp_dir + "/" + name;
        std::string target = path_ + "/new/" + name;
        // link(2) never replaces an existing file, unlike rename(2).
        if (::link(tmp.c_str(), target.c_str()) != 0) {
            if ((errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP) ||
                ::rename(tmp.c_str(), target.c_str()) !=
                    0)  // no hard links here: the unique name makes rename safe
                co_return undo(errno, "cannot move a message into " + path_ + "/new");
        } else {
            ::unlink(tmp.c_str());
        }
        linked.push_back(name);
    }
    if (auto synced = fsync_directory(path_ + "/new"); !synced) {
        // In new/ but maybe not on disk: the provider must keep them, so
        // remove our copies lest a retry doubles them.
        for (const auto& name : linked) ::unlink((path_ + "/new/" + name).c_str());
        staged_.clear();
        co_return synced;
    }
    staged_.clear();
    co_return Status{};
}

void MaildirSink::withdraw() {
    for (const auto& name : staged_) ::unlink((path_ + "/tmp/" + name).c_str());
    staged_.clear();
}

void MaildirSink::abort() {
    if (file_.valid()) file_.reset();
    if (!name_.empty()) ::unlink((path_ + "/tmp/" + name_).c_str());
    name_.clear();
    buffer_.clear();
    line_ends_.reset();
}

}  // namespace odmr::deliver
