#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gatehouse/settings.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

std::string describe_settings(const Settings& s) {
  std::string out = fmt::format("gatehouse {}: configuration OK\n", GATEHOUSE_VERSION);
  out += fmt::format("listen      {}:{} ({}), {} worker{}\n", s.bind_address, s.port, s.tls_enabled() ? "https" : "http",
                     s.workers, s.workers == 1 ? "" : "s");
  out += s.admin_port ? fmt::format("admin       {}:{} (/metrics, /healthz, /readyz)\n", s.admin_bind, *s.admin_port) : std::string("admin       off\n");
  out += fmt::format("timeouts    header {}, client idle {}, drain {}\n", format_duration(s.header_timeout),
                     format_duration(s.client_idle_timeout), format_duration(s.drain_timeout));
  out += fmt::format("limits      header {}\n", format_size(s.max_header_size));
  out += fmt::format("log         {} at {}\n", s.log_format == LogFormat::json ? "json" : "logfmt",
                     s.log_level == LogLevel::debug  ? "debug"
                     : s.log_level == LogLevel::info ? "info"
                     : s.log_level == LogLevel::warn ? "warn"
                                                     : "error");
  out += "\nroutes, in match order:\n";
  out += fmt::format("  {:<14} {:<18} {:<20} {:<10} {:<6} {:<8} {:<9} {:<10} {}\n", "ROUTE", "HOST", "PATH", "METHODS",
                     "STRIP", "CONNECT", "UPSTREAM", "MAX_BODY", "UPSTREAMS");
  for (const auto& r : s.routes) {
    std::string methods = r.methods.empty() ? "any" : fmt::format("{}", fmt::join(r.methods, ","));
    std::string upstreams;
    for (const auto& u : r.upstreams) upstreams += (upstreams.empty() ? "" : ", ") + u.text();
    out += fmt::format("  {:<14} {:<18} {:<20} {:<10} {:<6} {:<8} {:<9} {:<10} {}\n", r.name, r.host.empty() ? "*" : r.host,
                       r.path_prefix, methods, r.strip_prefix ? "yes" : "no", format_duration(r.options.connect_timeout),
                       format_duration(r.options.upstream_timeout), format_size(r.options.max_body_size), upstreams);
  }
  return out;
}

}  // namespace gatehouse
