// The Prometheus text exposition (0.0.4) and OpenMetrics 1.0.0 of the merged
// metrics. The two differ in counter family names (OpenMetrics drops
// `_total` from the family), the content type, and the closing `# EOF`.
#include <fmt/format.h>

#include "gatehouse/metrics.hpp"

namespace gatehouse {
namespace {

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Floats always with a decimal point ("1.0"): valid in both formats, and the
// canonical form OpenMetrics asks for in `le`.
std::string number(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eE") == std::string::npos && s.find("Inf") == std::string::npos && s.find("NaN") == std::string::npos)
    s += ".0";
  return s;
}

class Writer {
 public:
  Writer(ExpositionFormat f, const std::vector<std::string>& routes) : f_(f), routes_(routes) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    std::string_view family_name = name;
    if (f_ == ExpositionFormat::openmetrics_1_0_0 && type == "counter" && name.ends_with("_total"))
      family_name.remove_suffix(6);
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", family_name, help, family_name, type);
  }
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void histogram(std::string_view name, const std::string& labels, const Histogram& h) {
    std::uint64_t cumulative = 0;
    std::string prefix = labels.empty() ? std::string() : labels + ",";
    for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
      cumulative += h.buckets[i];
      sample(fmt::format("{}_bucket", name), fmt::format("{}le=\"{}\"", prefix, number(Histogram::kBounds[i])), std::to_string(cumulative));
    }
    cumulative += h.buckets.back();
    sample(fmt::format("{}_bucket", name), prefix + "le=\"+Inf\"", std::to_string(cumulative));
    sample(fmt::format("{}_sum", name), labels, number(h.sum));
    sample(fmt::format("{}_count", name), labels, std::to_string(h.count));
  }
  std::string route(std::int16_t id) const {
    if (id == kRouteHealthz) return "_healthz";
    if (id == kRouteReadyz) return "_readyz";
    if (id < 0 || static_cast<std::size_t>(id) >= routes_.size()) return "-";
    return label_value(routes_[static_cast<std::size_t>(id)]);
  }
  std::string finish() {
    if (f_ == ExpositionFormat::openmetrics_1_0_0) out_ += "# EOF\n";
    return std::move(out_);
  }

 private:
  ExpositionFormat f_;
  const std::vector<std::string>& routes_;
  std::string out_;
};

}  // namespace

ExpositionFormat negotiate_exposition(std::string_view accept) {
  return accept.find("application/openmetrics-text") != std::string_view::npos ? ExpositionFormat::openmetrics_1_0_0
                                                                               : ExpositionFormat::prometheus_0_0_4;
}

std::string_view exposition_content_type(ExpositionFormat f) {
  return f == ExpositionFormat::openmetrics_1_0_0 ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                                  : "text/plain; version=0.0.4; charset=utf-8";
}

std::string render_metrics(const ExpositionInput& in, ExpositionFormat f) {
  Writer w(f, in.route_names);
  const MetricsShard& m = in.totals;

  w.family("gatehouse_build_info", "gauge", "Gatehouse build; the value is always 1.");
  w.sample("gatehouse_build_info", fmt::format("version=\"{}\"", GATEHOUSE_VERSION), "1");

  w.family("gatehouse_http_requests_total", "counter", "Requests answered, by route, method and status code.");
  for (const auto& [k, v] : m.requests)
    w.sample("gatehouse_http_requests_total",
             fmt::format("route=\"{}\",method=\"{}\",code=\"{}\"", w.route(k.route), kMethodLabels[k.method], k.code),
             std::to_string(v));

  w.family("gatehouse_http_request_duration_seconds", "histogram", "Time from the first request byte to the last response byte.");
  for (const auto& [k, h] : m.request_duration)
    w.histogram("gatehouse_http_request_duration_seconds", fmt::format("route=\"{}\",method=\"{}\"", w.route(k.route), kMethodLabels[k.method]), h);

  w.family("gatehouse_upstream_request_duration_seconds", "histogram", "Time from sending to the upstream to its last response byte.");
  for (const auto& [route, h] : m.upstream_duration)
    w.histogram("gatehouse_upstream_request_duration_seconds", fmt::format("route=\"{}\"", w.route(route)), h);

  w.family("gatehouse_upstream_errors_total", "counter", "Upstream failures, by route and reason.");
  for (const auto& [k, v] : m.upstream_errors)
    w.sample("gatehouse_upstream_errors_total", fmt::format("route=\"{}\",reason=\"{}\"", w.route(k.route), upstream_error_reason(k.reason)),
             std::to_string(v));

  w.family("gatehouse_upstream_retries_total", "counter", "Requests sent again to another endpoint or connection, by route and reason.");
  for (const auto& [k, v] : m.upstream_retries)
    w.sample("gatehouse_upstream_retries_total", fmt::format("route=\"{}\",reason=\"{}\"", w.route(k.route), upstream_error_reason(k.reason)),
             std::to_string(v));
  w.family("gatehouse_request_headers_dropped_total", "counter", "Request header fields dropped because their names contain '_'.");
  w.sample("gatehouse_request_headers_dropped_total", "", std::to_string(m.request_headers_dropped));

  w.family("gatehouse_background_tasks", "gauge", "Work running after its request ended (revalidations, outcome recording), by kind.");
  for (const auto& [kind, b] : m.background) w.sample("gatehouse_background_tasks", fmt::format("kind=\"{}\"", kind), std::to_string(b.running));
  w.family("gatehouse_background_tasks_total", "counter", "Background tasks by kind and how they ended (rejected: over the limit or draining).");
  for (const auto& [kind, b] : m.background) {
    for (auto [result, n] : {std::pair<std::string_view, std::uint64_t>{"done", b.done}, {"failed", b.failed},
                             {"cancelled", b.cancelled}, {"rejected", b.rejected}})
      w.sample("gatehouse_background_tasks_total", fmt::format("kind=\"{}\",result=\"{}\"", kind, result), std::to_string(n));
  }

  w.family("gatehouse_http_requests_in_flight", "gauge", "Requests being served now.");
  w.sample("gatehouse_http_requests_in_flight", "", std::to_string(m.in_flight));
  w.family("gatehouse_client_connections", "gauge", "Open client connections.");
  w.sample("gatehouse_client_connections", "", std::to_string(m.client_connections));
  w.family("gatehouse_upstream_connections", "gauge", "Open upstream connections, busy and pooled.");
  w.sample("gatehouse_upstream_connections", "", std::to_string(m.upstream_connections));

  w.family("gatehouse_http_request_body_bytes_total", "counter", "Request body bytes received from clients, by route.");
  for (const auto& [route, v] : m.bytes_in)
    w.sample("gatehouse_http_request_body_bytes_total", fmt::format("route=\"{}\"", w.route(route)), std::to_string(v));
  w.family("gatehouse_http_response_body_bytes_total", "counter", "Response body bytes sent to clients, by route.");
  for (const auto& [route, v] : m.bytes_out)
    w.sample("gatehouse_http_response_body_bytes_total", fmt::format("route=\"{}\"", w.route(route)), std::to_string(v));

  // The stages' own families (cache, idempotency, rest).
  for (const auto& family : in.stage_families) {
    w.family(family.name, family.type, family.help);
    for (const auto& [labels, value] : family.samples) w.sample(family.name, labels, value);
  }
  w.family("gatehouse_error_reports_total", "counter", "Reports to the error tracker, by outcome.");
  w.sample("gatehouse_error_reports_total", "outcome=\"sent\"", std::to_string(in.error_reports_sent));
  w.sample("gatehouse_error_reports_total", "outcome=\"dropped\"", std::to_string(in.error_reports_dropped));
  w.sample("gatehouse_error_reports_total", "outcome=\"failed\"", std::to_string(in.error_reports_failed));
  w.sample("gatehouse_error_reports_total", "outcome=\"grouped\"", std::to_string(in.error_reports_grouped));

  w.family("gatehouse_access_log_dropped_lines_total", "counter", "Access-log lines dropped because stdout could not keep up.");
  w.sample("gatehouse_access_log_dropped_lines_total", "", std::to_string(in.access_log_dropped));

  const ProcessStats& p = in.process;
  w.family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
  w.sample("process_cpu_seconds_total", "", number(p.cpu_seconds));
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", "", number(p.resident_bytes));
  w.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  w.sample("process_virtual_memory_bytes", "", number(p.virtual_bytes));
  w.family("process_open_fds", "gauge", "Open file descriptors.");
  w.sample("process_open_fds", "", number(p.open_fds));
  w.family("process_max_fds", "gauge", "Limit of open file descriptors.");
  w.sample("process_max_fds", "", number(p.max_fds));
  w.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
  w.sample("process_start_time_seconds", "", number(p.start_time_seconds));
  return w.finish();
}

}  // namespace gatehouse
