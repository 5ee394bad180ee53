#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse {

// One failure worth telling an error tracker about. Built from a request that
// went wrong; holds nothing secret (see scrub_headers and redact_target).
struct ErrorReport {
  std::string type;        // "UpstreamConnectFailure", "StageException", "Upstream5xx"
  std::string message;     // one line
  std::string place;       // where: "upstream 10.0.0.5:8080", "stage route"
  std::string route;
  std::string method;
  std::string url;         // scrubbed: secret-looking query values REDACTED
  std::vector<std::pair<std::string, std::string>> headers;  // scrubbed
  std::string request_id;
  int status = 0;
  std::string error_code;  // the access line's code, e.g. "UF"
  std::uint64_t repeats = 0;  // a summary of grouped repeats: how many were not sent
  std::chrono::system_clock::time_point when = std::chrono::system_clock::now();

  // Identical failures share a key: same type, route and place.
  std::string group_key() const { return type + '|' + route + '|' + place; }
};

// Fields every report carries.
struct ReportContext {
  std::string environment;  // GATEHOUSE_ENVIRONMENT
  std::string release;      // GATEHOUSE_RELEASE (default: the version)
  std::string host;         // this machine's host name
};

// A Sentry DSN: {scheme}://{public_key}@{host}[:port]/{project_id}.
struct SentryDsn {
  std::string scheme;
  std::string public_key;
  std::string host;
  std::uint16_t port = 0;
  std::string project_id;
  std::string envelope_url() const;  // {scheme}://{host}:{port}/api/{project_id}/envelope/
  std::string auth_header() const;   // X-Sentry-Auth value
};
std::optional<SentryDsn> parse_sentry_dsn(std::string_view dsn);

// Drops Authorization, Proxy-Authorization, Cookie, Set-Cookie and any header
// whose name looks secret (token, key, secret...).
std::vector<std::pair<std::string, std::string>> scrub_headers(std::vector<std::pair<std::string, std::string>> headers);

// The Sentry envelope (header line, item header line, event line).
std::string sentry_envelope(const ErrorReport& r, const ReportContext& c, const SentryDsn& dsn, const std::string& event_id);
// The Honeybadger notices API body.
std::string honeybadger_notice(const ErrorReport& r, const ReportContext& c);

}  // namespace gatehouse
