// The completion token of every asio operation awaited in this program: the
// outcome comes back as a tuple, error code first, and never as an
// exception, so no exception can escape a coroutine into asio.
#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace odmr::net {

inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace odmr::net
