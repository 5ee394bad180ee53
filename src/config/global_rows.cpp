// The core global settings, one row each. The order is that of --help.
#include "gatehouse/cidr.hpp"
#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/error_report.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

using R = SettingRows<Settings>;

constexpr std::string_view kBodySize = "a size such as 512k, 10m or 1g (0 = unlimited)";

bool is_ip(std::string_view text) { return parse_ip(text).has_value(); }

// A port, or "off" for no listener.
std::optional<std::uint16_t> port_or_off(std::string_view text) {
  if (to_lower(trim(text)) == "off") return std::nullopt;
  auto port = parse_int(text, 0, 65535);
  if (!port) throw BadValue("a port number from 0 to 65535, or off");
  return static_cast<std::uint16_t>(*port);
}

// Sentry's DSN; empty means no Sentry.
std::string sentry_dsn(std::string_view text) {
  if (!text.empty() && !parse_sentry_dsn(text)) throw BadValue("a DSN such as https://<key>@o0.ingest.sentry.io/<project>");
  return std::string(text);
}

// A base URL, kept without trailing slashes.
std::string base_url(std::string_view text) {
  while (text.ends_with('/')) text.remove_suffix(1);
  // The message quotes the URL without its slashes, as it always has.
  if (!text.starts_with("http://") && !text.starts_with("https://")) throw BadValue("an http:// or https:// URL", std::string(text));
  return std::string(text);
}

std::vector<SettingRow<Settings>> make_rows() {
  return {
      R::integer("GATEHOUSE_PORT", "8080", "Public port. When unset, PORT is used (as platforms set it).", &Settings::port, 0, 65535),
      R::integer("PORT", "8080", "Public port, used only when GATEHOUSE_PORT is unset.", &Settings::port, 0, 65535)
          .fallback_for("GATEHOUSE_PORT"),
      R::checked_text("GATEHOUSE_BIND", "0.0.0.0", "Address the public listener binds to.", &Settings::bind_address, is_ip,
                      "an IPv4 or IPv6 address such as 0.0.0.0 or ::"),
      R::integer("GATEHOUSE_WORKERS", "number of cores",
                 "Worker threads, each with its own event loop and SO_REUSEPORT acceptor (1-256).", &Settings::workers, 1, 256)
          .seeded(),
      R::choice("GATEHOUSE_LOG_FORMAT", "logfmt", "Access-log format on stdout: logfmt or json.", &Settings::log_format,
                {{"logfmt", LogFormat::logfmt}, {"json", LogFormat::json}}),
      R::choice("GATEHOUSE_LOG_LEVEL", "info", "debug, info, warn or error. Access lines are info (success) or warn/error (failures).",
                &Settings::log_level,
                {{"debug", LogLevel::debug}, {"info", LogLevel::info}, {"warn", LogLevel::warn}, {"error", LogLevel::error}}),
      R::duration("GATEHOUSE_HEADER_TIMEOUT", "10s", "Time allowed to receive a whole request head (slowloris guard); 408 after it.",
                  &Settings::header_timeout),
      R::duration("GATEHOUSE_CLIENT_IDLE_TIMEOUT", "60s", "Keep-alive idle time, and the longest pause allowed inside a request body.",
                  &Settings::client_idle_timeout),
      R::duration("GATEHOUSE_DRAIN_TIMEOUT", "25s", "On SIGTERM/SIGINT, how long in-flight requests may take to finish.",
                  &Settings::drain_timeout, ZeroDuration::allowed),
      R::size("GATEHOUSE_MAX_HEADER_SIZE", "32k", "Largest request head (request line and headers); 431 beyond it.",
              &Settings::max_header_size, "a size from 1k to 1m such as 32k", 1024, 1u << 20),
      R::duration("GATEHOUSE_CONNECT_TIMEOUT", "5s", "Default time allowed to connect to an upstream; 504 after it.",
                  nested(&Settings::route_defaults, &RouteOptions::connect_timeout)),
      R::duration("GATEHOUSE_UPSTREAM_TIMEOUT", "60s",
                  "Default time allowed for the upstream's response, and between its body reads; 504 after it.",
                  nested(&Settings::route_defaults, &RouteOptions::upstream_timeout)),
      R::size("GATEHOUSE_MAX_BODY_SIZE", "100m", "Default largest request body; 413 beyond it. 0 means unlimited.",
              nested(&Settings::route_defaults, &RouteOptions::max_body_size), kBodySize),
      R::boolean("GATEHOUSE_PRESERVE_HOST", "true", "Default: send the client's Host upstream (false: the upstream URL's host).",
                 nested(&Settings::route_defaults, &RouteOptions::preserve_host)),
      R::boolean("GATEHOUSE_WEBSOCKET", "true",
                 "Default: pass WebSocket upgrades (GET with Upgrade: websocket) through to the upstream (false: Upgrade is stripped).",
                 nested(&Settings::route_defaults, &RouteOptions::websocket)),
      R::duration("GATEHOUSE_WEBSOCKET_IDLE_TIMEOUT", "1h",
                  "Default: an upgraded (WebSocket) connection with no byte either way for this long is closed.",
                  nested(&Settings::route_defaults, &RouteOptions::websocket_idle_timeout)),
      R::duration("GATEHOUSE_ENDPOINT_COOLDOWN", "2s", "How long an upstream endpoint that refused a connection is skipped.",
                  &Settings::endpoint_cooldown, ZeroDuration::allowed),
      R::integer("GATEHOUSE_POOL_MAX_IDLE", "64", "Idle keep-alive connections kept per upstream endpoint and worker.",
                 &Settings::pool_max_idle, 0, 100000),
      R::duration("GATEHOUSE_POOL_IDLE_TIMEOUT", "30s", "Idle upstream connections older than this are closed.",
                  &Settings::pool_idle_timeout),
      R::integer("GATEHOUSE_BACKGROUND_LIMIT", "1024",
                 "Most tasks a worker runs after their requests ended (revalidations, outcome recording); more are refused and counted.",
                 &Settings::background_limit, 1, 1000000),
      R::text("GATEHOUSE_TLS_CERT", "(none)",
              "PEM certificate chain file: set with GATEHOUSE_TLS_KEY to serve HTTPS (TLS 1.2+) on the public port.",
              &Settings::tls_cert_file)
          .computed(no_text),
      R::text("GATEHOUSE_TLS_KEY", "(none)", "PEM private key file for GATEHOUSE_TLS_CERT.", &Settings::tls_key_file).computed(no_text),
      R::boolean("GATEHOUSE_UPSTREAM_TLS_VERIFY", "true", "Verify https:// upstreams' certificates and host names.",
                 &Settings::upstream_tls_verify),
      R::text("GATEHOUSE_UPSTREAM_CA_FILE", "(system store)", "PEM file of CAs trusted for https:// upstreams.",
              &Settings::upstream_ca_file)
          .computed(no_text),
      R::custom("GATEHOUSE_ADMIN_PORT", "9901", "Admin listener port for /metrics, /healthz, /readyz; off to disable; never the public port.",
                &Settings::admin_port, port_or_off),
      R::checked_text("GATEHOUSE_ADMIN_BIND", "127.0.0.1", "Address the admin listener binds to.", &Settings::admin_bind, is_ip,
                      "an IPv4 or IPv6 address such as 127.0.0.1"),
      R::custom("GATEHOUSE_SENTRY_DSN", "(none)", "Send error reports to Sentry (envelope protocol) at this DSN.", &Settings::sentry_dsn,
                sentry_dsn)
          .computed(no_text)
          .hidden(),
      R::text("GATEHOUSE_HONEYBADGER_API_KEY", "(none)", "Send error reports to Honeybadger's notices API with this key.",
              &Settings::honeybadger_api_key)
          .computed(no_text)
          .hidden(),
      R::custom("GATEHOUSE_HONEYBADGER_ENDPOINT", "https://api.honeybadger.io", "Base URL of the Honeybadger API.",
                &Settings::honeybadger_endpoint, base_url),
      R::text("GATEHOUSE_ENVIRONMENT", "production", "Environment name in error reports.", &Settings::environment),
      R::text("GATEHOUSE_RELEASE", "the version", "Release name in error reports.", &Settings::release).computed([] {
        return std::string(GATEHOUSE_VERSION);
      }),
      R::boolean("GATEHOUSE_REPORT_UPSTREAM_FAILURES", "true", "Report upstream connect failures, timeouts, resets and bad responses.",
                 &Settings::report_upstream_failures),
      R::boolean("GATEHOUSE_REPORT_UPSTREAM_5XX", "false", "Report 5xx answers of upstreams (gateway exceptions are always reported).",
                 &Settings::report_upstream_5xx),
      R::integer("GATEHOUSE_REPORT_QUEUE_SIZE", "256", "Reports waiting to be sent; more are dropped and counted.",
                 &Settings::report_queue_size, 1, 100000),
      R::duration("GATEHOUSE_REPORT_TIMEOUT", "5s", "Time allowed for one POST to the tracker.", &Settings::report_timeout),
      R::duration("GATEHOUSE_REPORT_GROUP_WINDOW", "60s", "Identical failures within this window are sent once, then summarised.",
                  &Settings::report_group_window),
      R::choice("GATEHOUSE_HEADERS_WITH_UNDERSCORES", "drop",
                "Request header names with '_' (Rack/CGI fold them into '-'): drop, allow or reject (400).",
                &Settings::headers_with_underscores,
                {{"drop", UnderscoreHeaders::drop}, {"allow", UnderscoreHeaders::allow}, {"reject", UnderscoreHeaders::reject}}),
  };
}

}  // namespace

std::span<const SettingRow<Settings>> core_global_rows() {
  static const std::vector<SettingRow<Settings>> rows = make_rows();
  return rows;
}

}  // namespace gatehouse
