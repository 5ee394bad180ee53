#pragma once
// The cache's counters, shared by all workers like its store: relaxed
// atomics, one per route and result, read by the admin thread at a scrape.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/metrics.hpp"

namespace gatehouse::cache {

class CacheStore;
class Collapser;

// What a lookup came to, as cache= says it.
inline constexpr std::array<std::string_view, 7> kLookupResults{"hit", "miss", "stale", "revalidated", "collapsed", "bypass",
                                                                "only-if-cached"};

class CacheMetrics {
 public:
  explicit CacheMetrics(std::size_t routes)
      : routes_(routes), lookups_(new std::atomic<std::uint64_t>[routes * kLookupResults.size()]()),
        stores_(new std::atomic<std::uint64_t>[routes]()) {}

  void lookup(std::size_t route, std::string_view result) {
    for (std::size_t i = 0; i < kLookupResults.size(); ++i)
      if (kLookupResults[i] == result && route < routes_) lookups_[route * kLookupResults.size() + i].fetch_add(1, std::memory_order_relaxed);
  }
  void stored(std::size_t route) {
    if (route < routes_) stores_[route].fetch_add(1, std::memory_order_relaxed);
  }
  // Calls to the shared Redis that failed; the Redis backend counts into it.
  std::atomic<std::uint64_t>& redis_failures() { return redis_failures_; }
  std::vector<StageMetricFamily> families(std::span<const std::string> route_names, const CacheStore& store,
                                          const Collapser& collapser) const;

 private:
  std::size_t routes_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> lookups_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> stores_;
  std::atomic<std::uint64_t> redis_failures_{0};
};

}  // namespace gatehouse::cache
