// MaildirSink::sync() with a pool (util/blocking_pool.h): its blocking part
// on a worker. In a file of its own so that the single-session path,
// sync_here() in maildir_sink.cpp, compiles as it did without a pool.
#include "deliver/maildir_sink.h"

#include <unistd.h>

namespace odmr::deliver {

asio::awaitable<Status> MaildirSink::sync_on_pool() {
    if (staged_.empty()) co_return Status{};
    if (close_failed_) {
        Status failed = *std::exchange(close_failed_, std::nullopt);
        withdraw();
        co_return failed;
    }
    // The session waits here: nothing else touches staged_ meanwhile, and
    // the worker only makes system calls on it (store_staged()).
    Status stored = co_await pool_->run([this] { return store_staged(); });
    if (!stored) {
        withdraw();
        co_return stored;
    }
    staged_.clear();
    forget_unused();
    co_return Status{};
}

// sync_here()'s system calls, and nothing else: this runs on a worker
// thread (no logging, no other state).
Status MaildirSink::store_staged() {
    if (auto durable = flush_staged(); !durable) return durable;
    if (auto published = publish_all(); !published) return published;
    for (auto& copy : staged_) {
        if (!copy.moved) ::unlinkat(copy.maildir->tmp.get(), copy.name.c_str(), 0);
    }
    return {};
}

}  // namespace odmr::deliver
