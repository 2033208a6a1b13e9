// How much body a sink gathers before it writes: few enough system calls,
// small enough to stay in cache.
#pragma once

#include <cstddef>

namespace odmr::deliver {

inline constexpr std::size_t write_size = 64 * 1024;

}  // namespace odmr::deliver
