#include <algorithm>

#include "gatehouse/metrics.hpp"

namespace gatehouse {

std::uint8_t method_label(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethodLabels.size(); ++i)
    if (kMethodLabels[i] == method) return static_cast<std::uint8_t>(i);
  return static_cast<std::uint8_t>(kMethodLabels.size() - 1);  // OTHER
}

std::string_view upstream_error_reason(ErrorCode c) {
  switch (c) {
    case ErrorCode::upstream_connect: return "connect_failure";
    case ErrorCode::upstream_timeout: return "timeout";
    case ErrorCode::upstream_reset: return "reset";
    case ErrorCode::upstream_protocol: return "bad_response";
    default: return "";
  }
}

void Histogram::observe(double seconds) {
  auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  ++buckets[static_cast<std::size_t>(it - kBounds.begin())];
  sum += seconds;
  ++count;
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
  sum += other.sum;
  count += other.count;
}

void MetricsShard::record(const RequestInfo& info) {
  std::uint8_t method = method_label(info.method);
  std::uint16_t code = static_cast<std::uint16_t>(info.status);
  ++requests[{info.route_id, method, code}];
  // An upgraded connection's duration is a WebSocket's life (hours), not a
  // request's latency: kept out of the histogram that latency alerts read.
  if (info.status != 101) request_duration[{info.route_id, method}].observe(static_cast<double>(info.duration_us) / 1e6);
  if (info.service_us != RequestInfo::kUnset)
    upstream_duration[info.route_id].observe(static_cast<double>(info.service_us) / 1e6);
  if (!upstream_error_reason(info.code).empty()) ++upstream_errors[{info.route_id, info.code}];
  if (info.bytes_in) bytes_in[info.route_id] += info.bytes_in;
  if (info.bytes_out) bytes_out[info.route_id] += info.bytes_out;
}

void MetricsShard::merge(const MetricsShard& o) {
  for (const auto& [k, v] : o.requests) requests[k] += v;
  for (const auto& [k, v] : o.request_duration) request_duration[k].merge(v);
  for (const auto& [k, v] : o.upstream_duration) upstream_duration[k].merge(v);
  for (const auto& [k, v] : o.upstream_errors) upstream_errors[k] += v;
  for (const auto& [k, v] : o.bytes_in) bytes_in[k] += v;
  for (const auto& [k, v] : o.bytes_out) bytes_out[k] += v;
  for (const auto& [k, v] : o.upstream_retries) upstream_retries[k] += v;
  request_headers_dropped += o.request_headers_dropped;
  for (const auto& [kind, b] : o.background) {
    auto& mine = background[kind];
    mine.running += b.running;
    mine.done += b.done;
    mine.failed += b.failed;
    mine.cancelled += b.cancelled;
    mine.rejected += b.rejected;
  }
  in_flight += o.in_flight;
  client_connections += o.client_connections;
  upstream_connections += o.upstream_connections;
}

}  // namespace gatehouse
