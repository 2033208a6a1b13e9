#include "net/tls_contexts.h"

#include <sys/stat.h>

#include <algorithm>

namespace odmr::net {
namespace {

bool same_settings(const TlsPolicy& a, const TlsPolicy& b) {
    return a.ca_file == b.ca_file && a.min_version == b.min_version && a.cert_file == b.cert_file &&
           a.key_file == b.key_file && a.used == b.used;
}

std::vector<FileStamp> stamp_files(const TlsPolicy& policy) {
    std::vector<FileStamp> stamps;
    for (const std::string* path : {&policy.ca_file, &policy.cert_file, &policy.key_file})
        stamps.push_back(path->empty() ? FileStamp{} : stamp_file(*path));
    return stamps;
}

long long nanoseconds(const struct timespec& t) {
    return static_cast<long long>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

FileStamp stamp_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {static_cast<long long>(st.st_dev), static_cast<long long>(st.st_ino),
            static_cast<long long>(st.st_size), nanoseconds(st.st_mtim), nanoseconds(st.st_ctim)};
}

Result<std::shared_ptr<asio::ssl::context>> TlsContexts::get(const TlsPolicy& policy) {
    auto files = stamp_files(policy);
    auto entry = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& e) { return same_settings(e.policy, policy); });
    if (entry != entries_.end() && entry->files == files) return entry->context;
    auto made = make_client_context(policy);
    if (!made) return made.error();
    std::shared_ptr<asio::ssl::context> context = std::move(*made);
    if (entry != entries_.end())
        *entry = Entry{policy, std::move(files), context};
    else
        entries_.push_back(Entry{policy, std::move(files), context});
    return context;
}

}  // namespace odmr::net
