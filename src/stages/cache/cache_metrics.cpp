#include "cache_metrics.hpp"

#include <fmt/format.h>

#include "cache_store.hpp"
#include "collapser.hpp"

namespace gatehouse::cache {

std::vector<StageMetricFamily> CacheMetrics::families(std::span<const std::string> route_names, const CacheStore& store,
                                                      const Collapser& collapser) const {
  std::vector<StageMetricFamily> out;
  StageMetricFamily lookups{"gatehouse_cache_lookups_total", "counter", "Cache lookups, by route and result (as cache= in the access line).", {}};
  StageMetricFamily stores{"gatehouse_cache_stores_total", "counter", "Responses stored in the cache, by route.", {}};
  for (std::size_t r = 0; r < routes_ && r < route_names.size(); ++r) {
    for (std::size_t i = 0; i < kLookupResults.size(); ++i) {
      std::uint64_t n = lookups_[r * kLookupResults.size() + i].load(std::memory_order_relaxed);
      if (n) lookups.samples.emplace_back(fmt::format("route=\"{}\",result=\"{}\"", route_names[r], kLookupResults[i]), std::to_string(n));
    }
    if (std::uint64_t n = stores_[r].load(std::memory_order_relaxed))
      stores.samples.emplace_back(fmt::format("route=\"{}\"", route_names[r]), std::to_string(n));
  }
  out.push_back(std::move(lookups));
  out.push_back(std::move(stores));
  out.push_back({"gatehouse_cache_evictions_total", "counter", "Entries evicted to stay within GATEHOUSE_CACHE_MAX_BYTES.",
                 {{"", std::to_string(store.evictions())}}});
  out.push_back({"gatehouse_cache_collapsed_total", "counter", "Requests that waited for another request's upstream answer to the same URL.",
                 {{"", std::to_string(collapser.collapsed())}}});
  out.push_back({"gatehouse_cache_redis_failures_total", "counter",
                 "Calls to the shared Redis (GATEHOUSE_CACHE_STORE=redis) that failed: each a miss, or a store or purge skipped.",
                 {{"", std::to_string(redis_failures_.load(std::memory_order_relaxed))}}});
  out.push_back({"gatehouse_cache_bytes", "gauge", "Bytes the cache holds.", {{"", std::to_string(store.bytes())}}});
  out.push_back({"gatehouse_cache_entries", "gauge", "Responses the cache holds.", {{"", std::to_string(store.entries())}}});
  return out;
}

}  // namespace gatehouse::cache
