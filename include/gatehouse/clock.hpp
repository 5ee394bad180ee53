#pragma once
#include <chrono>
#include <cstdint>

namespace gatehouse {

using Clock = std::chrono::steady_clock;

// Microseconds from `t` to now: the unit of the access line's timings.
inline std::int64_t micros_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

}  // namespace gatehouse
