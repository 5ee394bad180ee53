#include "gatehouse/error_report.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "gatehouse/access_line.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

std::optional<SentryDsn> parse_sentry_dsn(std::string_view dsn) {
  SentryDsn d;
  auto scheme_end = dsn.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  d.scheme = to_lower(dsn.substr(0, scheme_end));
  if (d.scheme != "http" && d.scheme != "https") return std::nullopt;
  std::string_view rest = dsn.substr(scheme_end + 3);
  auto at = rest.find('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view userinfo = rest.substr(0, at);
  d.public_key = std::string(userinfo.substr(0, userinfo.find(':')));  // a legacy secret after ':' is ignored
  rest.remove_prefix(at + 1);
  auto slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) return std::nullopt;
  d.project_id = std::string(rest.substr(slash + 1));
  std::string_view authority = rest.substr(0, rest.find('/'));
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto port = parse_int(authority.substr(colon + 1), 1, 65535);
    if (!port) return std::nullopt;
    d.port = static_cast<std::uint16_t>(*port);
    d.host = std::string(authority.substr(0, colon));
  } else {
    d.host = std::string(authority);
    d.port = d.scheme == "https" ? 443 : 80;
  }
  if (d.host.empty() || d.project_id.empty()) return std::nullopt;
  for (char c : d.project_id)
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  return d;
}

std::string SentryDsn::envelope_url() const { return fmt::format("{}://{}:{}/api/{}/envelope/", scheme, host, port, project_id); }

std::string SentryDsn::auth_header() const {
  return fmt::format("Sentry sentry_version=7, sentry_key={}, sentry_client=gatehouse/{}", public_key, GATEHOUSE_VERSION);
}

std::vector<std::pair<std::string, std::string>> scrub_headers(std::vector<std::pair<std::string, std::string>> headers) {
  std::erase_if(headers, [](const auto& h) {
    std::string name = to_lower(h.first);
    return name == "authorization" || name == "proxy-authorization" || name == "cookie" || name == "set-cookie" ||
           is_secret_parameter(name);
  });
  return headers;
}

namespace {
std::string iso8601(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)), ms);
}
}  // namespace

std::string sentry_envelope(const ErrorReport& r, const ReportContext& c, const SentryDsn& dsn, const std::string& event_id) {
  using nlohmann::json;
  json headers = json::object();
  for (const auto& [k, v] : r.headers) headers[k] = v;
  std::string message = r.repeats ? fmt::format("{} ({} more like this were grouped)", r.message, r.repeats) : r.message;
  json event = {
      {"event_id", event_id},
      {"timestamp", iso8601(r.when)},
      {"platform", "native"},
      {"level", "error"},
      {"logger", "gatehouse"},
      {"server_name", c.host},
      {"environment", c.environment},
      {"release", c.release},
      {"exception", {{"values", json::array({{{"type", r.type}, {"value", message}}})}}},
      {"request", {{"url", r.url}, {"method", r.method}, {"headers", headers}}},
      {"tags", {{"route", r.route}, {"request_id", r.request_id}, {"code", r.error_code}, {"status", std::to_string(r.status)}}},
      {"extra", {{"place", r.place}, {"grouped_repeats", r.repeats}}},
      {"fingerprint", json::array({r.type, r.route, r.place})},
  };
  std::string item = event.dump();
  json envelope_header = {{"event_id", event_id}, {"sent_at", iso8601(std::chrono::system_clock::now())},
                          {"sdk", {{"name", "gatehouse"}, {"version", GATEHOUSE_VERSION}}}};
  (void)dsn;  // the DSN (with its key) is not repeated in the body
  json item_header = {{"type", "event"}, {"length", item.size()}, {"content_type", "application/json"}};
  return envelope_header.dump() + "\n" + item_header.dump() + "\n" + item + "\n";
}

std::string honeybadger_notice(const ErrorReport& r, const ReportContext& c) {
  using nlohmann::json;
  json headers = json::object();
  for (const auto& [k, v] : r.headers) headers["HTTP_" + to_upper(k)] = v;
  std::string message = r.repeats ? fmt::format("{} ({} more like this were grouped)", r.message, r.repeats) : r.message;
  json notice = {
      {"notifier", {{"name", "gatehouse"}, {"version", GATEHOUSE_VERSION}, {"url", "https://github.com/gatehouse"}}},
      {"error",
       {{"class", r.type},
        {"message", message},
        {"backtrace", json::array({{{"file", r.place}, {"method", r.route}, {"number", "0"}}})},
        {"fingerprint", r.group_key()},
        {"tags", json::array({"gatehouse", r.error_code})}}},
      {"request",
       {{"url", r.url},
        {"component", r.route},
        {"action", r.method},
        {"context", {{"request_id", r.request_id}, {"status", r.status}, {"grouped_repeats", r.repeats}}},
        {"cgi_data", headers}}},
      {"server", {{"environment_name", c.environment}, {"hostname", c.host}, {"revision", c.release}}},
  };
  return notice.dump();
}

}  // namespace gatehouse
