// MaildirSink::sync() with a pool (util/blocking_pool.h): its blocking part
// on a worker. In a file of its own so that the single-session path,
// sync_here() in maildir_sink.cpp, compiles as it did without a pool.
#include "deliver/maildir_sink.h"

namespace odmr::deliver {

asio::awaitable<Status> MaildirSink::sync_on_pool() {
    if (staged_.empty()) co_return Status{};
    if (close_failed_) co_return stored(*std::exchange(close_failed_, std::nullopt));
    // The session waits here: nothing else touches staged_ meanwhile, and
    // the worker only makes system calls on it (store_staged()).
    co_return stored(co_await pool_->run([this] { return store_staged(); }));
}

}  // namespace odmr::deliver
