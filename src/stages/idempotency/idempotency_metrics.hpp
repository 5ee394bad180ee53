#pragma once
// The stage's counters, shared by the workers (atomics), rendered at each
// scrape: outcomes by route (as idem= in the access line), and the store's
// calls, errors and time spent.
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/metrics.hpp"

namespace gatehouse::idempotency {

// idem= values, and the outcome label of gatehouse_idempotency_outcomes_total.
inline constexpr std::array<std::string_view, 9> kOutcomes{"claimed", "replayed", "conflict",    "mismatch",   "released",
                                                           "unknown", "rejected", "unavailable", "unprotected"};
std::size_t outcome_index(std::string_view outcome);

inline constexpr std::array<std::string_view, 4> kStoreOps{"claim", "renew", "finish", "release"};
enum class StoreOp { claim, renew, finish, release };

class IdempotencyMetrics {
 public:
  explicit IdempotencyMetrics(std::size_t routes) : routes_(routes), outcomes_(std::make_unique<std::atomic<std::uint64_t>[]>(routes * kOutcomes.size())) {}
  void outcome(std::size_t route, std::string_view what) {
    if (route < routes_) outcomes_[route * kOutcomes.size() + outcome_index(what)].fetch_add(1, std::memory_order_relaxed);
  }
  // A call answered at once (the in-memory store) is counted, not timed: it
  // takes well under the microsecond the time is kept in, and the two clock
  // reads would cost a keyed request more than the call.
  void store_call(StoreOp op, bool ok) {
    auto i = static_cast<std::size_t>(op);
    calls_[i].fetch_add(1, std::memory_order_relaxed);
    if (!ok) errors_[i].fetch_add(1, std::memory_order_relaxed);
  }
  void store_call(StoreOp op, bool ok, std::chrono::steady_clock::duration took) {
    store_call(op, ok);
    auto i = static_cast<std::size_t>(op);
    micros_[i].fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
                         std::memory_order_relaxed);
  }
  std::vector<StageMetricFamily> families(std::span<const std::string> route_names, std::string_view store_kind,
                                          std::int64_t memory_bytes) const;

 private:
  std::size_t routes_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> outcomes_;
  std::array<std::atomic<std::uint64_t>, kStoreOps.size()> calls_{}, errors_{}, micros_{};
};

}  // namespace gatehouse::idempotency
