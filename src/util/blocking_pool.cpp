#include "util/blocking_pool.h"

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

namespace odmr {

BlockingPool::BlockingPool(std::size_t threads) : threads_(threads) {
    if (threads_ > 0) workers_ = std::make_unique<asio::thread_pool>(threads_);
}

BlockingPool::~BlockingPool() {
    // join() without stop() first runs every queued piece of work: none is
    // dropped half way, and no handler is destroyed on a worker.
    if (workers_) workers_->join();
}

// The worker runs the job, then posts the handler back to the handler's own
// executor, whose io_context counts the operation as outstanding work until
// then. No cancellation slot is looked at: the job always runs to its end.
asio::awaitable<void> BlockingPool::submit(Job job) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this, job](auto handler) {
            ++in_flight_;
            auto home = asio::prefer(asio::get_associated_executor(handler),
                                     asio::execution::outstanding_work.tracked);
            asio::post(workers_->get_executor(),
                       [job, home = std::move(home), handler = std::move(handler)]() mutable {
                           job.call(job.state);
                           asio::post(home, std::move(handler));
                       });
        },
        asio::use_awaitable);
    --in_flight_;
}

template asio::awaitable<Status> BlockingPool::run_call<Status>(Call<Status>);

}  // namespace odmr
