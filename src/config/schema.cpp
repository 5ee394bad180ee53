#include "gatehouse/schema.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace gatehouse {
namespace {

// Keep in step with load_settings() and the README's settings table.
constexpr std::array kGlobal{
    SettingInfo{"GATEHOUSE_PORT", "8080", "Public port. When unset, PORT is used (as platforms set it)."},
    SettingInfo{"PORT", "8080", "Public port, used only when GATEHOUSE_PORT is unset."},
    SettingInfo{"GATEHOUSE_BIND", "0.0.0.0", "Address the public listener binds to."},
    SettingInfo{"GATEHOUSE_WORKERS", "number of cores", "Worker threads, each with its own event loop and SO_REUSEPORT acceptor (1-256)."},
    SettingInfo{"GATEHOUSE_LOG_FORMAT", "logfmt", "Access-log format on stdout: logfmt or json."},
    SettingInfo{"GATEHOUSE_LOG_LEVEL", "info", "debug, info, warn or error. Access lines are info (success) or warn/error (failures)."},
    SettingInfo{"GATEHOUSE_HEADER_TIMEOUT", "10s", "Time allowed to receive a whole request head (slowloris guard); 408 after it."},
    SettingInfo{"GATEHOUSE_CLIENT_IDLE_TIMEOUT", "60s", "Keep-alive idle time, and the longest pause allowed inside a request body."},
    SettingInfo{"GATEHOUSE_DRAIN_TIMEOUT", "25s", "On SIGTERM/SIGINT, how long in-flight requests may take to finish."},
    SettingInfo{"GATEHOUSE_MAX_HEADER_SIZE", "32k", "Largest request head (request line and headers); 431 beyond it."},
    SettingInfo{"GATEHOUSE_CONNECT_TIMEOUT", "5s", "Default time allowed to connect to an upstream; 504 after it."},
    SettingInfo{"GATEHOUSE_UPSTREAM_TIMEOUT", "60s", "Default time allowed for the upstream's response, and between its body reads; 504 after it."},
    SettingInfo{"GATEHOUSE_MAX_BODY_SIZE", "100m", "Default largest request body; 413 beyond it. 0 means unlimited."},
    SettingInfo{"GATEHOUSE_PRESERVE_HOST", "true", "Default: send the client's Host upstream (false: the upstream URL's host)."},
    SettingInfo{"GATEHOUSE_ENDPOINT_COOLDOWN", "2s", "How long an upstream endpoint that refused a connection is skipped."},
    SettingInfo{"GATEHOUSE_POOL_MAX_IDLE", "64", "Idle keep-alive connections kept per upstream endpoint and worker."},
    SettingInfo{"GATEHOUSE_POOL_IDLE_TIMEOUT", "30s", "Idle upstream connections older than this are closed."},
    SettingInfo{"GATEHOUSE_TLS_CERT", "(none)", "PEM certificate chain file: set with GATEHOUSE_TLS_KEY to serve HTTPS (TLS 1.2+) on the public port."},
    SettingInfo{"GATEHOUSE_TLS_KEY", "(none)", "PEM private key file for GATEHOUSE_TLS_CERT."},
    SettingInfo{"GATEHOUSE_UPSTREAM_TLS_VERIFY", "true", "Verify https:// upstreams' certificates and host names."},
    SettingInfo{"GATEHOUSE_UPSTREAM_CA_FILE", "(system store)", "PEM file of CAs trusted for https:// upstreams."},
    SettingInfo{"GATEHOUSE_ADMIN_PORT", "9901", "Admin listener port for /metrics, /healthz, /readyz; off to disable; never the public port."},
    SettingInfo{"GATEHOUSE_ADMIN_BIND", "127.0.0.1", "Address the admin listener binds to."},
    SettingInfo{"GATEHOUSE_SENTRY_DSN", "(none)", "Send error reports to Sentry (envelope protocol) at this DSN."},
    SettingInfo{"GATEHOUSE_HONEYBADGER_API_KEY", "(none)", "Send error reports to Honeybadger's notices API with this key."},
    SettingInfo{"GATEHOUSE_HONEYBADGER_ENDPOINT", "https://api.honeybadger.io", "Base URL of the Honeybadger API."},
    SettingInfo{"GATEHOUSE_ENVIRONMENT", "production", "Environment name in error reports."},
    SettingInfo{"GATEHOUSE_RELEASE", "the version", "Release name in error reports."},
    SettingInfo{"GATEHOUSE_REPORT_UPSTREAM_FAILURES", "true", "Report upstream connect failures, timeouts, resets and bad responses."},
    SettingInfo{"GATEHOUSE_REPORT_UPSTREAM_5XX", "false", "Report 5xx answers of upstreams (gateway exceptions are always reported)."},
    SettingInfo{"GATEHOUSE_REPORT_QUEUE_SIZE", "256", "Reports waiting to be sent; more are dropped and counted."},
    SettingInfo{"GATEHOUSE_REPORT_TIMEOUT", "5s", "Time allowed for one POST to the tracker."},
    SettingInfo{"GATEHOUSE_REPORT_GROUP_WINDOW", "60s", "Identical failures within this window are sent once, then summarised."},
    SettingInfo{"GATEHOUSE_TRUSTED_PROXIES", "(none)", "Comma-separated CIDRs whose X-Forwarded-* headers are trusted and extended."},
    SettingInfo{"GATEHOUSE_HEADERS_WITH_UNDERSCORES", "drop", "Request header names with '_' (Rack/CGI fold them into '-'): drop, allow or reject (400)."},
    SettingInfo{"GATEHOUSE_VIA_NAME", "the host name", "This gateway's name in Via; a request whose Via already holds it is a loop (508)."},
};

constexpr std::array kRoute{
    SettingInfo{"PATH", "(required)", "Path prefix the route serves, e.g. /api/bookings; / is a catch-all."},
    SettingInfo{"UPSTREAM", "(required)", "Comma-separated upstream URLs (http:// or https://), balanced round-robin."},
    SettingInfo{"HOST", "(any)", "Host the route serves: api.example.com or *.example.com."},
    SettingInfo{"METHODS", "(any)", "Comma-separated methods allowed; others get 405 with Allow."},
    SettingInfo{"STRIP_PREFIX", "false", "Remove PATH from the request path before forwarding."},
    SettingInfo{"CONNECT_TIMEOUT", "GATEHOUSE_CONNECT_TIMEOUT", "Per-route connect timeout."},
    SettingInfo{"UPSTREAM_TIMEOUT", "GATEHOUSE_UPSTREAM_TIMEOUT", "Per-route upstream response timeout."},
    SettingInfo{"MAX_BODY_SIZE", "GATEHOUSE_MAX_BODY_SIZE", "Per-route request body limit."},
    SettingInfo{"PRESERVE_HOST", "GATEHOUSE_PRESERVE_HOST", "Per-route choice of the Host sent upstream."},
};

}  // namespace

std::span<const SettingInfo> global_settings() { return kGlobal; }
std::span<const SettingInfo> route_options() { return kRoute; }

bool is_global_setting(std::string_view name) {
  return std::any_of(kGlobal.begin(), kGlobal.end(), [&](const SettingInfo& s) { return s.name == name; });
}

std::string help_text() {
  std::string out = fmt::format(
      "gatehouse {} - an API gateway routed from environment variables\n\n"
      "Usage: gatehouse [--check-config | --help | --version]\n\n"
      "  --check-config  validate the settings and print the effective route table\n"
      "  --help          this text\n"
      "  --version       print the version\n\n"
      "Settings come from the environment; a .env file in the working directory is\n"
      "read first and the real environment wins.\n\n",
      GATEHOUSE_VERSION);
  for (const auto& s : kGlobal) out += fmt::format("  {:<32} default {:<16} {}\n", s.name, s.default_value, s.meaning);
  out += "\nRoutes: GATEHOUSE_ROUTE_<NAME>_<OPTION>, one group of variables a route:\n";
  for (const auto& s : kRoute) out += fmt::format("  {:<32} default {:<16} {}\n", "..._" + std::string(s.name), s.default_value, s.meaning);
  return out;
}

}  // namespace gatehouse
