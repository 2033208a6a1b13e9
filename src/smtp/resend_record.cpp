#include "smtp/resend_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <optional>

#include "util/atomic_file.h"
#include "util/hex.h"

namespace odmr::smtp {
namespace {

// Far more than max_entries lines of ours; a bigger file is read this far.
constexpr std::size_t max_file = 8 * 1024 * 1024;

std::string to_line(const ResendEntry& entry) {
    std::string line;
    line.reserve(2 * entry.digest.size() + 24 + entry.trace.size());
    for (unsigned char byte : entry.digest) hex::append(line, byte);
    line += ' ';
    line += std::to_string(entry.when);
    line += ' ';
    line += entry.trace;
    line += '\n';
    return line;
}

std::string to_lines(std::span<const ResendEntry> entries) {
    std::string text;
    for (const auto& entry : entries) text += to_line(entry);
    return text;
}

std::optional<ResendEntry> parse_line(std::string_view line) {
    ResendEntry entry;
    auto first = line.find(' ');
    auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (first != 2 * entry.digest.size() || second == std::string_view::npos) return std::nullopt;
    for (std::size_t i = 0; i < entry.digest.size(); ++i) {
        int value = hex::byte_value(line.substr(2 * i, 2));
        if (value < 0) return std::nullopt;
        entry.digest[i] = static_cast<unsigned char>(value);
    }
    auto when = line.substr(first + 1, second - first - 1);
    auto [end, ec] = std::from_chars(when.data(), when.data() + when.size(), entry.when);
    if (ec != std::errc{} || end != when.data() + when.size() || when.empty()) return std::nullopt;
    entry.trace = std::string(line.substr(second + 1));
    if (entry.trace.empty() || entry.trace.size() > 128 ||
        !std::all_of(entry.trace.begin(), entry.trace.end(),
                     [](char c) { return c > ' ' && c < 0x7f; }))
        return std::nullopt;
    return entry;
}

Status write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return storage_error(errno, "writing");
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

Result<std::string> read_all(int fd) {
    std::string text;
    char buffer[65536];
    while (text.size() < max_file) {
        ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return storage_error(errno, "reading");
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

// Opens the record without following a symlink; a new file's directory
// entry is made durable at once (fdatasync covers only the file's data).
Result<UniqueFd> open_file(const std::string& directory, const std::string& path) {
    constexpr int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd.valid() && errno == ENOENT) {
        fd = UniqueFd(::open(path.c_str(), flags | O_CREAT | O_EXCL, 0600));
        UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (fd.valid() && dir.valid()) ::fsync(dir.get());
    }
    if (!fd.valid()) return storage_error(errno, "cannot open " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return storage_error(errno, "cannot stat " + path);
    if (!S_ISREG(st.st_mode)) return make_error(Errc::storage, path + " is not a regular file");
    if (st.st_uid != ::geteuid())
        return make_error(Errc::storage, path + " belongs to another user");
    return fd;
}

}  // namespace

Result<ResendRecord> ResendRecord::open(const std::string& directory, const std::string& file,
                                        const Log& log, ResendLimits limits, std::int64_t now) {
    ResendRecord record(directory + "/" + file, log, limits);
    auto fd = open_file(directory, record.path_);
    if (!fd) return fd.error();
    record.fd_ = std::move(*fd);
    auto text = read_all(record.fd_.get());
    if (!text) return make_error(Errc::storage, record.path_ + ": " + text.error().detail);
    if (record.load(*text, now != 0 ? now : std::time(nullptr))) {
        if (auto rewritten = record.rewrite(); !rewritten) return rewritten.error();
    }
    return record;
}

// Returns whether the file must be rewritten: bad, torn or pruned lines.
bool ResendRecord::load(std::string_view text, std::int64_t now) {
    std::size_t bad = 0;
    std::size_t dropped = 0;  // too old, or a digest seen before
    bool torn = !text.empty() && !text.ends_with('\n');
    while (!text.empty()) {
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        auto entry = end == std::string_view::npos ? std::nullopt : parse_line(line);
        if (!entry) {
            ++bad;
        } else if (now - entry->when > limits_.max_age.count() || index_.contains(entry->digest)) {
            ++dropped;
        } else {
            index_.insert(entry->digest);
            entries_.push_back(std::move(*entry));
        }
    }
    if (bad > 0)
        log_->warning(path_ + ": ignored " + std::to_string(bad) + " damaged line(s)" +
                      (torn ? " (the last one torn by a crash)" : ""));
    if (entries_.size() > limits_.max_entries) {
        auto excess = static_cast<std::ptrdiff_t>(entries_.size() - limits_.max_entries);
        for (auto it = entries_.begin(); it != entries_.begin() + excess; ++it)
            index_.erase(it->digest);
        entries_.erase(entries_.begin(), entries_.begin() + excess);
        dropped += static_cast<std::size_t>(excess);
    }
    return bad > 0 || dropped > 0;
}

Status ResendRecord::add(std::span<const ResendEntry> entries) {
    if (entries.empty()) return {};
    if (auto written = append(to_lines(entries)); !written) return written;
    appended(entries);
    return {};
}

asio::awaitable<Status> ResendRecord::store(std::span<const ResendEntry> entries) {
    if (pool_ == nullptr || entries.empty()) co_return add(entries);
    std::string text = to_lines(entries);
    // On a worker, only the file is touched; the index changes after it.
    Status written = co_await pool_->run([this, &text] { return append(text); });
    if (written) appended(entries);
    co_return written;
}

// The system calls of add() and store(): it may run on a worker thread.
Status ResendRecord::append(std::string_view text) const {
    Status written = write_all(fd_.get(), text);
    if (written && ::fdatasync(fd_.get()) != 0) written = storage_error(errno, "fdatasync");
    if (!written) return make_error(Errc::storage, path_ + ": " + written.error().detail);
    return {};
}

void ResendRecord::appended(std::span<const ResendEntry> entries) {
    for (const auto& entry : entries) {
        if (index_.insert(entry.digest).second) entries_.push_back(entry);
        session_.insert(entry.digest);
    }
}

void ResendRecord::end_session(bool clean) {
    if (clean && !session_.empty()) {
        std::erase_if(entries_, [&](const ResendEntry& e) { return session_.contains(e.digest); });
        for (const auto& digest : session_) index_.erase(digest);
        // Not durable, and need not be: a crash keeps entries nobody will match.
        if (auto rewritten = rewrite(); !rewritten)
            log_->warning("cannot drop acknowledged entries: " + rewritten.error().message());
    }
    session_.clear();
}

// Empty: truncated in place (no new directory entry). Else replaced whole.
Status ResendRecord::rewrite() {
    if (entries_.empty()) {
        if (::ftruncate(fd_.get(), 0) != 0) return storage_error(errno, "truncating " + path_);
        return {};
    }
    if (auto written = write_atomically(path_, to_lines(entries_), 0600); !written) return written;
    return reopen();
}

Status ResendRecord::reopen() {
    UniqueFd fd(::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) return storage_error(errno, "cannot open " + path_);
    fd_ = std::move(fd);
    return {};
}

std::string safe_file_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '@' || c == '+';
        out += keep ? c : '_';
    }
    if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
    return out;
}

}  // namespace odmr::smtp
