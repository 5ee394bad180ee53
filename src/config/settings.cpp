#include "gatehouse/settings.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <fmt/format.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/error_report.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/route_table.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

constexpr std::string_view kRoutePrefix = "GATEHOUSE_ROUTE_";

[[noreturn]] void bad_value(std::string_view name, std::string_view value, std::string_view expected) {
  throw ConfigError(fmt::format("{}=\"{}\": expected {}", name, value, expected));
}

// Reads one variable through a parser, with the default when it is unset.
class Reader {
 public:
  explicit Reader(const EnvMap& env) : env_(env) {}

  const std::string* find(std::string_view name) const {
    auto it = env_.find(name);
    return it == env_.end() ? nullptr : &it->second;
  }

  Millis duration(std::string_view name, Millis fallback, bool allow_zero = false) const {
    const std::string* v = find(name);
    if (!v) return fallback;
    auto d = parse_duration(*v);
    if (!d || (!allow_zero && d->count() == 0)) bad_value(name, *v, "a positive duration such as 250ms, 5s or 2m");
    return *d;
  }
  std::uint64_t size(std::string_view name, std::uint64_t fallback, std::string_view expected) const {
    const std::string* v = find(name);
    if (!v) return fallback;
    auto s = parse_size(*v);
    if (!s) bad_value(name, *v, expected);
    return *s;
  }
  bool boolean(std::string_view name, bool fallback) const {
    const std::string* v = find(name);
    if (!v) return fallback;
    auto b = parse_bool(*v);
    if (!b) bad_value(name, *v, "true or false");
    return *b;
  }
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
    const std::string* v = find(name);
    if (!v) return fallback;
    auto n = parse_int(*v, min, max);
    if (!n) bad_value(name, *v, fmt::format("a whole number from {} to {}", min, max));
    return *n;
  }
  std::string text(std::string_view name, std::string fallback = {}) const {
    const std::string* v = find(name);
    return v ? *v : fallback;
  }

 private:
  const EnvMap& env_;
};

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// The name this host gives itself: the default received-by in Via.
std::string system_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "gatehouse";
  return name;
}

std::optional<UpstreamUrl> parse_upstream_url(std::string_view text) {
  UpstreamUrl u;
  std::string lower = to_lower(text.substr(0, 8));
  if (lower.starts_with("http://")) {
    text.remove_prefix(7);
  } else if (lower.starts_with("https://")) {
    u.tls = true;
    text.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (path.find_first_of("?# ") != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = to_lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  for (char c : u.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) return std::nullopt;
  if (port_text.empty()) {
    u.port = u.tls ? 443 : 80;
  } else {
    auto port = parse_int(port_text, 1, 65535);
    if (!port) return std::nullopt;
    u.port = static_cast<std::uint16_t>(*port);
  }
  while (path.size() > 0 && path.back() == '/') path.remove_suffix(1);
  u.path_prefix = std::string(path);
  return u;
}

// Splits "GATEHOUSE_ROUTE_USER_PROFILES_STRIP_PREFIX" into "USER_PROFILES" and
// "STRIP_PREFIX", trying the longest option names first.
bool split_route_variable(std::string_view name, std::string& route, std::string& option) {
  if (!name.starts_with(kRoutePrefix)) return false;
  std::string_view rest = name.substr(kRoutePrefix.size());
  std::vector<std::string_view> options;
  for (const auto& o : route_options()) options.push_back(o.name);
  std::sort(options.begin(), options.end(), [](auto a, auto b) { return a.size() > b.size(); });
  for (auto o : options) {
    if (rest.size() > o.size() + 1 && rest.ends_with(o) && rest[rest.size() - o.size() - 1] == '_') {
      route = std::string(rest.substr(0, rest.size() - o.size() - 1));
      option = std::string(o);
      return std::all_of(route.begin(), route.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
    }
  }
  return false;
}

Route build_route(const std::string& upper_name, const Reader& r, const RouteOptions& defaults) {
  auto var = [&](std::string_view option) { return fmt::format("{}{}_{}", kRoutePrefix, upper_name, option); };
  Route route;
  route.name = to_lower(upper_name);

  const std::string* path = r.find(var("PATH"));
  if (!path) throw ConfigError(fmt::format("{} is not set: every route needs a path prefix such as /api/{}", var("PATH"), route.name));
  if (path->empty() || path->front() != '/' || path->find_first_of("?# \t") != std::string::npos)
    bad_value(var("PATH"), *path, "a path prefix starting with / (no query, no spaces)");
  route.path_prefix = *path;
  while (route.path_prefix.size() > 1 && route.path_prefix.back() == '/') route.path_prefix.pop_back();

  const std::string* upstream = r.find(var("UPSTREAM"));
  if (!upstream)
    throw ConfigError(fmt::format("{} is not set: every route needs at least one upstream URL such as http://127.0.0.1:9000", var("UPSTREAM")));
  for (auto item : split_list(*upstream)) {
    auto url = parse_upstream_url(item);
    if (!url) bad_value(var("UPSTREAM"), *upstream, "comma-separated http:// or https:// URLs such as http://10.0.0.5:8080");
    route.upstreams.push_back(std::move(*url));
  }
  if (route.upstreams.empty()) bad_value(var("UPSTREAM"), *upstream, "at least one http:// or https:// URL");

  if (const std::string* host = r.find(var("HOST")); host && !host->empty()) {
    std::string h = to_lower(trim(*host));
    std::string_view bare = h.starts_with("*.") ? std::string_view(h).substr(2) : std::string_view(h);
    bool ok = !bare.empty() && std::all_of(bare.begin(), bare.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    if (!ok) bad_value(var("HOST"), *host, "a host name such as api.example.com or *.example.com");
    route.host = h;
  }
  if (const std::string* methods = r.find(var("METHODS"))) {
    for (auto m : split_list(*methods)) {
      if (!is_token(m)) bad_value(var("METHODS"), *methods, "comma-separated methods such as GET,POST");
      route.methods.push_back(to_upper(m));
    }
  }
  route.strip_prefix = r.boolean(var("STRIP_PREFIX"), false);
  route.options.connect_timeout = r.duration(var("CONNECT_TIMEOUT"), defaults.connect_timeout);
  route.options.upstream_timeout = r.duration(var("UPSTREAM_TIMEOUT"), defaults.upstream_timeout);
  route.options.max_body_size = r.size(var("MAX_BODY_SIZE"), defaults.max_body_size, "a size such as 512k, 10m or 1g (0 = unlimited)");
  route.options.preserve_host = r.boolean(var("PRESERVE_HOST"), defaults.preserve_host);
  return route;
}

}  // namespace

std::string UpstreamUrl::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string UpstreamUrl::text() const { return fmt::format("{}://{}{}", tls ? "https" : "http", authority(), path_prefix); }

bool Route::allows(std::string_view method) const {
  return methods.empty() || std::find(methods.begin(), methods.end(), method) != methods.end();
}

Settings load_settings(const EnvMap& env, unsigned default_workers) {
  Reader r(env);
  Settings s;

  // Unknown GATEHOUSE_ names first: a typo must not silently fall back to a default.
  std::set<std::string> route_names;
  std::vector<std::string> unknown;
  for (const auto& [name, value] : env) {
    if (!name.starts_with("GATEHOUSE_")) continue;
    std::string route, option;
    if (split_route_variable(name, route, option)) route_names.insert(route);
    else if (!is_global_setting(name)) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::vector<std::string> names(route_names.begin(), route_names.end());
    std::string hint = suggest_setting(unknown.front(), names);
    throw ConfigError(fmt::format("{}=\"{}\": unknown setting{}", unknown.front(), env.find(unknown.front())->second,
                                  hint.empty() ? std::string(" (see gatehouse --help)") : fmt::format(" (did you mean {}?)", hint)));
  }

  if (r.find("GATEHOUSE_PORT")) {
    s.port = static_cast<std::uint16_t>(r.integer("GATEHOUSE_PORT", 8080, 0, 65535));
  } else {
    s.port = static_cast<std::uint16_t>(r.integer("PORT", 8080, 0, 65535));
  }
  s.bind_address = r.text("GATEHOUSE_BIND", s.bind_address);
  if (!parse_ip(s.bind_address)) bad_value("GATEHOUSE_BIND", s.bind_address, "an IPv4 or IPv6 address such as 0.0.0.0 or ::");
  s.workers = static_cast<unsigned>(r.integer("GATEHOUSE_WORKERS", std::max(1u, default_workers), 1, 256));

  std::string format = to_lower(r.text("GATEHOUSE_LOG_FORMAT", "logfmt"));
  if (format == "logfmt") s.log_format = LogFormat::logfmt;
  else if (format == "json") s.log_format = LogFormat::json;
  else bad_value("GATEHOUSE_LOG_FORMAT", r.text("GATEHOUSE_LOG_FORMAT"), "logfmt or json");

  std::string level = to_lower(r.text("GATEHOUSE_LOG_LEVEL", "info"));
  static const std::map<std::string, LogLevel> levels{
      {"debug", LogLevel::debug}, {"info", LogLevel::info}, {"warn", LogLevel::warn}, {"error", LogLevel::error}};
  if (auto it = levels.find(level); it != levels.end()) s.log_level = it->second;
  else bad_value("GATEHOUSE_LOG_LEVEL", r.text("GATEHOUSE_LOG_LEVEL"), "debug, info, warn or error");

  s.header_timeout = r.duration("GATEHOUSE_HEADER_TIMEOUT", s.header_timeout);
  s.client_idle_timeout = r.duration("GATEHOUSE_CLIENT_IDLE_TIMEOUT", s.client_idle_timeout);
  s.drain_timeout = r.duration("GATEHOUSE_DRAIN_TIMEOUT", s.drain_timeout, true);
  s.endpoint_cooldown = r.duration("GATEHOUSE_ENDPOINT_COOLDOWN", s.endpoint_cooldown, true);
  s.pool_idle_timeout = r.duration("GATEHOUSE_POOL_IDLE_TIMEOUT", s.pool_idle_timeout);
  s.max_header_size = r.size("GATEHOUSE_MAX_HEADER_SIZE", s.max_header_size, "a size from 1k to 1m such as 32k");
  if (s.max_header_size < 1024 || s.max_header_size > (1u << 20))
    bad_value("GATEHOUSE_MAX_HEADER_SIZE", r.text("GATEHOUSE_MAX_HEADER_SIZE"), "a size from 1k to 1m such as 32k");
  s.pool_max_idle = static_cast<unsigned>(r.integer("GATEHOUSE_POOL_MAX_IDLE", s.pool_max_idle, 0, 100000));

  s.route_defaults.connect_timeout = r.duration("GATEHOUSE_CONNECT_TIMEOUT", s.route_defaults.connect_timeout);
  s.route_defaults.upstream_timeout = r.duration("GATEHOUSE_UPSTREAM_TIMEOUT", s.route_defaults.upstream_timeout);
  s.route_defaults.max_body_size =
      r.size("GATEHOUSE_MAX_BODY_SIZE", s.route_defaults.max_body_size, "a size such as 512k, 10m or 1g (0 = unlimited)");
  s.route_defaults.preserve_host = r.boolean("GATEHOUSE_PRESERVE_HOST", s.route_defaults.preserve_host);

  s.tls_cert_file = r.text("GATEHOUSE_TLS_CERT");
  s.tls_key_file = r.text("GATEHOUSE_TLS_KEY");
  if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
    const char* missing = s.tls_cert_file.empty() ? "GATEHOUSE_TLS_CERT" : "GATEHOUSE_TLS_KEY";
    throw ConfigError(fmt::format("{} is not set: TLS needs both GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY", missing));
  }
  s.upstream_tls_verify = r.boolean("GATEHOUSE_UPSTREAM_TLS_VERIFY", true);
  s.upstream_ca_file = r.text("GATEHOUSE_UPSTREAM_CA_FILE");

  if (const std::string* proxies = r.find("GATEHOUSE_TRUSTED_PROXIES")) {
    for (auto item : split_list(*proxies)) {
      auto cidr = Cidr::parse(item);
      if (!cidr) bad_value("GATEHOUSE_TRUSTED_PROXIES", *proxies, "comma-separated addresses or CIDRs such as 10.0.0.0/8,::1");
      s.trusted_proxies.push_back(*cidr);
    }
  }

  std::string underscores = to_lower(r.text("GATEHOUSE_HEADERS_WITH_UNDERSCORES", "drop"));
  if (underscores == "drop") s.headers_with_underscores = UnderscoreHeaders::drop;
  else if (underscores == "allow") s.headers_with_underscores = UnderscoreHeaders::allow;
  else if (underscores == "reject") s.headers_with_underscores = UnderscoreHeaders::reject;
  else bad_value("GATEHOUSE_HEADERS_WITH_UNDERSCORES", r.text("GATEHOUSE_HEADERS_WITH_UNDERSCORES"), "drop, allow or reject");
  s.via_name = r.text("GATEHOUSE_VIA_NAME", system_host_name());
  // received-by = pseudonym [":" port]; a pseudonym is a token (RFC 9110 §7.6.3).
  if (!is_token(s.via_name)) bad_value("GATEHOUSE_VIA_NAME", s.via_name, "a name of letters, digits and -._ such as gw-1.example.com");

  s.sentry_dsn = r.text("GATEHOUSE_SENTRY_DSN");
  if (!s.sentry_dsn.empty() && !parse_sentry_dsn(s.sentry_dsn))
    bad_value("GATEHOUSE_SENTRY_DSN", "(hidden)", "a DSN such as https://<key>@o0.ingest.sentry.io/<project>");
  s.honeybadger_api_key = r.text("GATEHOUSE_HONEYBADGER_API_KEY");
  s.honeybadger_endpoint = r.text("GATEHOUSE_HONEYBADGER_ENDPOINT", s.honeybadger_endpoint);
  while (s.honeybadger_endpoint.ends_with('/')) s.honeybadger_endpoint.pop_back();
  if (!s.honeybadger_endpoint.starts_with("http://") && !s.honeybadger_endpoint.starts_with("https://"))
    bad_value("GATEHOUSE_HONEYBADGER_ENDPOINT", s.honeybadger_endpoint, "an http:// or https:// URL");
  s.environment = r.text("GATEHOUSE_ENVIRONMENT", s.environment);
  s.release = r.text("GATEHOUSE_RELEASE", s.release);
  s.report_upstream_failures = r.boolean("GATEHOUSE_REPORT_UPSTREAM_FAILURES", s.report_upstream_failures);
  s.report_upstream_5xx = r.boolean("GATEHOUSE_REPORT_UPSTREAM_5XX", s.report_upstream_5xx);
  s.report_queue_size = static_cast<std::uint64_t>(r.integer("GATEHOUSE_REPORT_QUEUE_SIZE", 256, 1, 100000));
  s.report_timeout = r.duration("GATEHOUSE_REPORT_TIMEOUT", s.report_timeout);
  s.report_group_window = r.duration("GATEHOUSE_REPORT_GROUP_WINDOW", s.report_group_window);

  if (const std::string* admin = r.find("GATEHOUSE_ADMIN_PORT")) {
    if (to_lower(trim(*admin)) == "off") {
      s.admin_port.reset();
    } else {
      auto port = parse_int(*admin, 0, 65535);
      if (!port) bad_value("GATEHOUSE_ADMIN_PORT", *admin, "a port number from 0 to 65535, or off");
      s.admin_port = static_cast<std::uint16_t>(*port);
    }
  }
  s.admin_bind = r.text("GATEHOUSE_ADMIN_BIND", s.admin_bind);
  if (!parse_ip(s.admin_bind)) bad_value("GATEHOUSE_ADMIN_BIND", s.admin_bind, "an IPv4 or IPv6 address such as 127.0.0.1");
  if (s.admin_port && *s.admin_port != 0 && *s.admin_port == s.port)
    bad_value("GATEHOUSE_ADMIN_PORT", std::to_string(*s.admin_port), "a port other than the public port (metrics stay off the public listener)");

  for (const auto& name : route_names) s.routes.push_back(build_route(name, r, s.route_defaults));
  if (s.routes.empty())
    throw ConfigError(
        "GATEHOUSE_ROUTE_<NAME>_PATH is not set: no route is configured; set e.g. GATEHOUSE_ROUTE_API_PATH=/ and "
        "GATEHOUSE_ROUTE_API_UPSTREAM=http://127.0.0.1:9000");

  // Two routes that claim the same host and prefix would make one of them dead.
  for (std::size_t i = 0; i < s.routes.size(); ++i)
    for (std::size_t j = i + 1; j < s.routes.size(); ++j)
      if (s.routes[i].path_prefix == s.routes[j].path_prefix && s.routes[i].host == s.routes[j].host)
        throw ConfigError(fmt::format("GATEHOUSE_ROUTE_{}_PATH=\"{}\": expected a prefix (or host) not already used by route {}",
                                      to_upper(s.routes[j].name), s.routes[j].path_prefix, s.routes[i].name));
  sort_routes_by_specificity(s.routes);
  return s;
}

}  // namespace gatehouse
