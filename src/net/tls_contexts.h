// The TLS client contexts of one process, shared by every account and every
// poll whose TLS settings are the same: OpenSSL's context and its trust store
// are built once, not once per account per poll. A context is built again
// when a file it was made from (CA file, client certificate or key) has
// changed on disk, so that a long --interval run picks up a renewed
// certificate. Owned by whoever runs the accounts (app/runner); not shared
// between threads.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "net/tls.h"
#include "util/result.h"

namespace odmr::net {

// What identifies one version of a file: changed when it is replaced or
// rewritten (nothing when it does not exist).
struct FileStamp {
    long long device = 0, inode = 0, size = 0, modified_ns = 0, changed_ns = 0;
    bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_file(const std::string& path);

class TlsContexts {
  public:
    // The context for `policy`: the one built before when the policy and its
    // files are the same, else a new one (which replaces the stale one).
    Result<std::shared_ptr<asio::ssl::context>> get(const TlsPolicy& policy);
    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        TlsPolicy policy;
        std::vector<FileStamp> files;
        std::shared_ptr<asio::ssl::context> context;
    };
    std::vector<Entry> entries_;
};

}  // namespace odmr::net
