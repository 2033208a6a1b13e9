// A few threads for blocking system calls (fsync, syncfs, fdatasync), so
// that one session's disk flush does not stall the other sessions that share
// the one I/O thread (--jobs).
//
// `co_await pool.run(work)` runs `work` on a worker and resumes the awaiting
// coroutine on its own executor with what `work` returned (an exception it
// threw is thrown there instead). A pool made with no threads runs `work`
// at once, on the caller's thread: the single-session path makes no hop.
//
// `work` must touch only state that the awaiting coroutine owns and that
// nothing else uses meanwhile, and only to make system calls: no logging, no
// shared mutable state. It returns its outcome; the coroutine logs it after
// resuming.
//
// Lifetime: the operation cannot be cancelled. It always runs to its end
// and the coroutine stays suspended until then, so the state `work` uses
// (the coroutine's frame, the sink it flushes) outlives it. The operation
// keeps the caller's io_context from running out of work while it is in
// flight, and the destructor waits for every queued piece of work, so
// destroy the pool before the io_context and whatever the work references.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace odmr {

class BlockingPool {
  public:
    // `threads` workers; 0: inline, `work` runs on the caller's thread.
    explicit BlockingPool(std::size_t threads);
    ~BlockingPool();  // waits for the work in flight, then joins the workers
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    std::size_t threads() const { return threads_; }
    // Pieces of work started by run() whose coroutine has not resumed yet.
    // Counted on the awaiting coroutines' thread (the I/O thread).
    std::size_t in_flight() const { return in_flight_; }

    template <class Work>
    asio::awaitable<std::invoke_result_t<Work&>> run(Work work) {
        using Value = std::invoke_result_t<Work&>;
        static_assert(!std::is_void_v<Value>, "work returns its outcome (a Status)");
        if (!workers_) co_return work();
        std::optional<Value> value;
        std::exception_ptr failure;
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
            [&](auto handler) {
                ++in_flight_;
                start(work, value, failure, std::move(handler));
            },
            asio::use_awaitable);
        --in_flight_;
        if (failure) std::rethrow_exception(failure);
        co_return std::move(*value);
    }

  private:
    // Posts `work` to a worker; the worker stores its outcome, then posts
    // `handler` back to the handler's own executor, whose io_context counts
    // the operation as outstanding work until then.
    template <class Work, class Value, class Handler>
    void start(Work& work, std::optional<Value>& value, std::exception_ptr& failure,
               Handler handler) {
        auto home = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        asio::post(workers_->get_executor(), [&work, &value, &failure, home = std::move(home),
                                              handler = std::move(handler)]() mutable {
            try {
                value.emplace(work());
            } catch (...) {
                failure = std::current_exception();
            }
            asio::post(home, std::move(handler));
        });
    }

    std::size_t threads_;
    std::size_t in_flight_ = 0;
    std::unique_ptr<asio::thread_pool> workers_;  // none: inline
};

}  // namespace odmr
