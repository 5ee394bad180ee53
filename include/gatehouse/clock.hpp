#pragma once
#include <time.h>

#include <chrono>
#include <cstdint>

namespace gatehouse {

using Clock = std::chrono::steady_clock;

// Microseconds from `t` to now: the unit of the access line's timings.
inline std::int64_t micros_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

// Clock's time (CLOCK_MONOTONIC) as of the kernel's last tick: the same
// clock, up to one tick (1-4 ms) behind, read from the vDSO without the
// timestamp counter. For deadlines and idle marks: a request sets half a
// dozen, and precise readings of them were 5% of the gateway's user time
// under load. What is logged or measured (service, duration) keeps Clock::now().
inline Clock::time_point coarse_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

// A deadline `d` from now, read from the coarse clock and rounded up by its
// tick, so that it never falls before `d` has passed.
inline Clock::time_point coarse_deadline(Clock::duration d) {
  static const Clock::duration tick = [] {
    timespec res{};
    clock_getres(CLOCK_MONOTONIC_COARSE, &res);
    return Clock::duration(std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec));
  }();
  return coarse_now() + tick + d;
}

}  // namespace gatehouse
