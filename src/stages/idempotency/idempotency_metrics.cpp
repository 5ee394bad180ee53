#include "idempotency_metrics.hpp"

#include <fmt/format.h>

namespace gatehouse::idempotency {

std::size_t outcome_index(std::string_view outcome) {
  for (std::size_t i = 0; i < kOutcomes.size(); ++i)
    if (kOutcomes[i] == outcome) return i;
  return 0;
}

std::vector<StageMetricFamily> IdempotencyMetrics::families(std::span<const std::string> route_names, std::string_view store_kind,
                                                            std::int64_t memory_bytes) const {
  std::vector<StageMetricFamily> out;
  StageMetricFamily outcomes{"gatehouse_idempotency_outcomes_total", "counter",
                             "Keyed requests by route and outcome (as idem= in the access line).", {}};
  for (std::size_t r = 0; r < routes_ && r < route_names.size(); ++r)
    for (std::size_t i = 0; i < kOutcomes.size(); ++i)
      if (std::uint64_t n = outcomes_[r * kOutcomes.size() + i].load(std::memory_order_relaxed))
        outcomes.samples.emplace_back(fmt::format("route=\"{}\",outcome=\"{}\"", route_names[r], kOutcomes[i]), std::to_string(n));
  out.push_back(std::move(outcomes));
  StageMetricFamily calls{"gatehouse_idempotency_store_requests_total", "counter", "Calls to the idempotency store, by store and operation.", {}};
  StageMetricFamily errors{"gatehouse_idempotency_store_errors_total", "counter",
                           "Calls to the idempotency store that got no answer (unreachable, timed out), by store and operation.", {}};
  StageMetricFamily seconds{"gatehouse_idempotency_store_seconds_total", "counter",
                            "Time spent waiting for the idempotency store, by store and operation (divide by the calls for the mean); the in-memory store answers at once and is not timed.", {}};
  for (std::size_t i = 0; i < kStoreOps.size(); ++i) {
    std::string labels = fmt::format("store=\"{}\",op=\"{}\"", store_kind, kStoreOps[i]);
    calls.samples.emplace_back(labels, std::to_string(calls_[i].load(std::memory_order_relaxed)));
    errors.samples.emplace_back(labels, std::to_string(errors_[i].load(std::memory_order_relaxed)));
    seconds.samples.emplace_back(labels, fmt::format("{:.6f}", static_cast<double>(micros_[i].load(std::memory_order_relaxed)) / 1e6));
  }
  out.push_back(std::move(calls));
  out.push_back(std::move(errors));
  out.push_back(std::move(seconds));
  if (memory_bytes >= 0)
    out.push_back({"gatehouse_idempotency_memory_bytes", "gauge", "Bytes the in-memory idempotency store holds.", {{"", std::to_string(memory_bytes)}}});
  return out;
}

}  // namespace gatehouse::idempotency
