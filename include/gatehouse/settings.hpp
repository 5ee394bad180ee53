#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/dotenv.hpp"

namespace gatehouse {

using Millis = std::chrono::milliseconds;

// One upstream endpoint of a route, from a URL such as http://10.0.0.5:8080/v1.
struct UpstreamUrl {
  bool tls = false;
  std::string host;         // name or address, without brackets
  std::uint16_t port = 0;
  std::string path_prefix;  // "" or "/v1" (no trailing slash): prepended upstream
  std::string text() const; // canonical form, e.g. "http://10.0.0.5:8080/v1"
  std::string authority() const;  // "10.0.0.5:8080", "[::1]:80"
  bool operator==(const UpstreamUrl&) const = default;
};

// The defaults below are those of the settings' rows (core_setting_rows.hpp),
// for code that builds Settings without an environment (tests); the test
// SettingSchema.StructDefaultsAreTheRowDefaults keeps them equal.

// Options a route may set; each has a global default of the same name.
struct RouteOptions {
  Millis connect_timeout{5000};
  Millis upstream_timeout{60000};   // time allowed between upstream reads
  std::uint64_t max_body_size = 100ull << 20;  // 0 = unlimited
  bool preserve_host = true;        // send the client's Host upstream (else the upstream's)
  bool websocket = true;            // pass WebSocket upgrades through (else Upgrade is stripped)
  Millis websocket_idle_timeout{3600000};  // an upgraded connection with no byte either way this long is closed
  bool operator==(const RouteOptions&) const = default;
};

struct Route {
  std::string name;                 // lower case, as it appears in logs and metrics
  std::string path_prefix;          // "/api/bookings", or "/" for a catch-all
  std::string host;                 // "" = any host; "api.example.com"; "*.example.com"
  std::vector<std::string> methods; // upper case; empty = any method
  std::vector<UpstreamUrl> upstreams;
  bool strip_prefix = false;
  RouteOptions options;

  bool allows(std::string_view method) const;
  bool operator==(const Route&) const = default;
};

enum class LogFormat { logfmt, json };
// What to do with request header fields whose names contain '_' (nginx drops them).
enum class UnderscoreHeaders { drop, allow, reject };
enum class LogLevel { debug, info, warn, error };

struct Settings {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 8080;
  unsigned workers = 1;
  LogFormat log_format = LogFormat::logfmt;
  LogLevel log_level = LogLevel::info;

  Millis header_timeout{10000};      // whole request head, from the first byte
  Millis client_idle_timeout{60000}; // keep-alive idle, and between body reads
  Millis drain_timeout{25000};       // on SIGTERM, for in-flight requests
  Millis endpoint_cooldown{2000};    // how long a refusing endpoint is skipped
  Millis pool_idle_timeout{30000};   // idle upstream connections older than this are closed
  std::uint64_t max_header_size = 32 * 1024;
  unsigned pool_max_idle = 64;
  unsigned background_limit = 1024;  // background tasks per worker (background_work.hpp)       // idle connections kept per endpoint per worker

  std::string tls_cert_file;
  std::string tls_key_file;
  bool upstream_tls_verify = true;
  std::string upstream_ca_file;      // "" = the system's trust store

  UnderscoreHeaders headers_with_underscores = UnderscoreHeaders::drop;

  // Error reporting (off unless a tracker is configured).
  std::string sentry_dsn;
  std::string honeybadger_api_key;
  std::string honeybadger_endpoint = "https://api.honeybadger.io";
  std::string environment = "production";
  std::string release = GATEHOUSE_VERSION;
  bool report_upstream_failures = true;   // UF, UT, UR, UP
  bool report_upstream_5xx = false;       // U5
  std::uint64_t report_queue_size = 256;
  Millis report_timeout{5000};
  Millis report_group_window{60000};
  bool reporting_enabled() const { return !sentry_dsn.empty() || !honeybadger_api_key.empty(); }

  // The admin listener (/metrics, /healthz, /readyz); nullopt = off.
  std::optional<std::uint16_t> admin_port = 9901;
  std::string admin_bind = "127.0.0.1";
  RouteOptions route_defaults;
  std::vector<Route> routes;         // in match order: most specific first

  bool tls_enabled() const { return !tls_cert_file.empty(); }
  bool operator==(const Settings&) const = default;
};

class SettingCatalog;

// Builds Settings from GATEHOUSE_* variables (and PORT). Throws ConfigError
// with one line naming the variable, the value and what was expected.
// `default_workers` is the core count, passed in so that tests are stable.
Settings load_settings(const EnvMap& env, unsigned default_workers);
// The same, where the stages' settings in `catalog` count as known names
// (they are not read here: each stage applies its own rows).
Settings load_settings(const EnvMap& env, unsigned default_workers, const SettingCatalog& catalog);

// The --check-config report: listener, options and the effective route table.
std::string describe_settings(const Settings& s);

}  // namespace gatehouse
