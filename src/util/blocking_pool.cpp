#include "util/blocking_pool.h"

namespace odmr {

BlockingPool::BlockingPool(std::size_t threads) : threads_(threads) {
    if (threads_ > 0) workers_ = std::make_unique<asio::thread_pool>(threads_);
}

BlockingPool::~BlockingPool() {
    // join() without stop() first runs every queued piece of work: none is
    // dropped half way, and no handler is destroyed on a worker.
    if (workers_) workers_->join();
}

}  // namespace odmr
