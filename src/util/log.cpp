#include "util/log.h"

#include <sys/stat.h>
#include <syslog.h>

#include <cstdlib>
#include <string>

#include "util/hex.h"

namespace odmr {

bool is_journal_stream(int fd) {
    const char* value = std::getenv("JOURNAL_STREAM");  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return false;
    unsigned long long device = 0, inode = 0;
    if (std::sscanf(value, "%llu:%llu", &device, &inode) != 2) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return st.st_dev == device && st.st_ino == inode;
}

void append_printable(std::string& out, std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            hex::append(out, u);
        } else {
            out += c;
        }
    }
}

void Log::emit(int min_level, int priority, std::string_view prefix, std::string_view text) const {
    if (level_ < min_level || out_ == nullptr) return;
    std::string line = sinks_.journal ? "<" + std::to_string(priority) + ">" : "";
    line += "odmr-fetch: ";
    std::size_t body = line.size();
    line += prefix;
    // Never let a peer's bytes drive the terminal: show control characters.
    append_printable(line, text);
    if (sinks_.syslog) ::syslog(LOG_MAIL | priority, "%s", line.c_str() + body);
    line += '\n';
    if (overlay_ != nullptr) overlay_->before_line();
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
}

}  // namespace odmr
