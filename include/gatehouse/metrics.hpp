#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/request_info.hpp"

namespace gatehouse {

// Labels are small integers on the hot path and names only when rendered.
// The method label is bounded (a client may send any token as a method).
inline constexpr std::array<std::string_view, 10> kMethodLabels{"GET",     "HEAD",  "POST",    "PUT",   "PATCH",
                                                                "DELETE",  "OPTIONS", "TRACE", "CONNECT", "OTHER"};
std::uint8_t method_label(std::string_view method);

// Upstream failure reasons, from the access line's error codes.
std::string_view upstream_error_reason(ErrorCode c);  // "" when not an upstream failure

// A Prometheus histogram of seconds with fixed buckets.
struct Histogram {
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,   5,     10};
  std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // last: +Inf
  double sum = 0;
  std::uint64_t count = 0;
  void observe(double seconds);
  void merge(const Histogram& other);
};

// Route ids as RequestInfo carries them: 0..N-1 configured routes, then the
// pseudo-routes below.
enum : std::int16_t { kRouteHealthz = -2, kRouteReadyz = -3 };

// What one worker counted. Written only by its worker thread; a scrape asks
// each worker for a copy on its own thread, so no locks or atomics here.
struct MetricsShard {
  struct RequestKey {
    std::int16_t route;
    std::uint8_t method;
    std::uint16_t code;
    auto operator<=>(const RequestKey&) const = default;
  };
  struct RouteMethod {
    std::int16_t route;
    std::uint8_t method;
    auto operator<=>(const RouteMethod&) const = default;
  };
  struct RouteReason {
    std::int16_t route;
    ErrorCode reason;
    auto operator<=>(const RouteReason&) const = default;
  };

  std::map<RequestKey, std::uint64_t> requests;
  std::map<RouteMethod, Histogram> request_duration;
  std::map<std::int16_t, Histogram> upstream_duration;
  std::map<RouteReason, std::uint64_t> upstream_errors;
  std::map<std::int16_t, std::uint64_t> bytes_in, bytes_out;
  // Retries the upstream stage made, by route and why (connect failure or a dead pooled connection).
  std::map<RouteReason, std::uint64_t> upstream_retries;
  std::uint64_t request_headers_dropped = 0;  // fields with '_' in their names
  // Work that outlives a request (background_work.hpp), by kind.
  struct BackgroundStats {
    std::int64_t running = 0;
    std::uint64_t done = 0, failed = 0, cancelled = 0, rejected = 0;
  };
  std::map<std::string, BackgroundStats, std::less<>> background;
  std::int64_t in_flight = 0;
  std::int64_t client_connections = 0;
  std::int64_t upstream_connections = 0;

  // Called once per request, by the same step that writes its access line.
  void record(const RequestInfo& info);
  void merge(const MetricsShard& other);
};

// Process-wide figures read from /proc at scrape time.
struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;
  static ProcessStats read_self();
};

// A metric family a stage keeps itself (the cache's shared store), rendered
// with the others: samples are label text (`route="api",result="hit"`) and value.
struct StageMetricFamily {
  std::string name;  // counters end in _total
  std::string type;  // "counter" or "gauge"
  std::string help;
  std::vector<std::pair<std::string, std::string>> samples;
};

struct ExpositionInput {
  const MetricsShard& totals;
  const std::vector<std::string>& route_names;  // by route id
  ProcessStats process;
  std::uint64_t access_log_dropped = 0;
  std::uint64_t error_reports_sent = 0;
  std::uint64_t error_reports_dropped = 0;
  std::uint64_t error_reports_failed = 0;
  std::uint64_t error_reports_grouped = 0;
  std::vector<StageMetricFamily> stage_families{};
};

enum class ExpositionFormat { prometheus_0_0_4, openmetrics_1_0_0 };
// Picks the format from a scrape's Accept header.
ExpositionFormat negotiate_exposition(std::string_view accept);
std::string_view exposition_content_type(ExpositionFormat f);
std::string render_metrics(const ExpositionInput& in, ExpositionFormat f);

}  // namespace gatehouse
