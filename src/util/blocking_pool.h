// A few threads for blocking system calls (fsync, syncfs, fdatasync), so
// that one session's disk flush does not stall the other sessions that share
// the one I/O thread (--jobs).
//
// `co_await pool.run(work)` runs `work` on a worker and resumes the awaiting
// coroutine on its own executor with what `work` returned (an exception it
// threw is thrown there instead). A pool made with no threads runs `work`
// at once, on the caller's thread; a caller that may have no pool at all
// (a single session) calls `work` itself and makes no coroutine.
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

#include <asio/awaitable.hpp>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "util/result.h"

namespace asio {
class thread_pool;
}  // namespace asio

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

    // `work` is called where it is: it must outlive the co_await (a lambda
    // written inside the co_await expression does).
    template <class Work>
    asio::awaitable<std::invoke_result_t<Work&>> run(Work&& work) {
        using Value = std::invoke_result_t<Work&>;
        static_assert(!std::is_void_v<Value>, "work returns its outcome (a Status)");
        using Type = std::remove_reference_t<Work>;
        return run_call<Value>({[](void* w) -> Value { return (*static_cast<Type*>(w))(); },
                                const_cast<void*>(static_cast<const void*>(&work))});
    }

  private:
    // The work, type-erased: one coroutine per result type, not per call site.
    template <class Value>
    struct Call {
        Value (*call)(void*);
        void* work;
    };

    template <class Value>
    asio::awaitable<Value> run_call(Call<Value> call) {
        if (!workers_) co_return call.call(call.work);
        std::optional<Value> value;
        std::exception_ptr failure;
        auto job = [&]() noexcept {
            try {
                value.emplace(call.call(call.work));
            } catch (...) {
                failure = std::current_exception();
            }
        };
        co_await submit({[](void* j) { (*static_cast<decltype(job)*>(j))(); }, &job});
        if (failure) std::rethrow_exception(failure);
        co_return std::move(*value);
    }

    // A call that throws nothing, on state the awaiting coroutine owns.
    struct Job {
        void (*call)(void*);
        void* state;
    };
    // Runs `job` on a worker; resumes on the awaiting coroutine's executor.
    asio::awaitable<void> submit(Job job);

    std::size_t threads_;
    std::size_t in_flight_ = 0;
    std::unique_ptr<asio::thread_pool> workers_;  // none: inline
};

// Compiled once, in blocking_pool.cpp: the sinks' and the record's flushes.
extern template asio::awaitable<Status> BlockingPool::run_call<Status>(Call<Status>);

}  // namespace odmr
