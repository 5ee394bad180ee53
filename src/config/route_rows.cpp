// The options of GATEHOUSE_ROUTE_<NAME>_<OPTION>, one row each, by OPTION.
#include <algorithm>
#include <cctype>

#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

using R = SettingRows<Route>;

// "/api/bookings/" is kept as "/api/bookings"; "/" stays "/".
std::string path_prefix(std::string_view text) {
  if (text.empty() || text.front() != '/' || text.find_first_of("?# \t") != std::string_view::npos)
    throw BadValue("a path prefix starting with / (no query, no spaces)");
  while (text.size() > 1 && text.back() == '/') text.remove_suffix(1);
  return std::string(text);
}

// "api.example.com" or "*.example.com", lower-cased; "" is any host.
std::string host_pattern(std::string_view text) {
  if (text.empty()) return {};
  std::string h = to_lower(trim(text));
  std::string_view bare = h.starts_with("*.") ? std::string_view(h).substr(2) : std::string_view(h);
  bool ok = !bare.empty() && std::all_of(bare.begin(), bare.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  if (!ok) throw BadValue("a host name such as api.example.com or *.example.com");
  return h;
}

std::optional<std::string> method(std::string_view text) {
  if (!is_token(text)) return std::nullopt;
  return to_upper(text);
}

std::vector<SettingRow<Route>> make_rows() {
  return {
      R::custom("PATH", "(required)", "Path prefix the route serves, e.g. /api/bookings; / is a catch-all.", &Route::path_prefix,
                path_prefix)
          .seeded(),
      R::list("UPSTREAM", "(required)", "Comma-separated upstream URLs (http:// or https://), balanced round-robin.", &Route::upstreams,
              parse_upstream_url, "comma-separated http:// or https:// URLs such as http://10.0.0.5:8080",
              "at least one http:// or https:// URL")
          .seeded(),
      R::custom("HOST", "(any)", "Host the route serves: api.example.com or *.example.com.", &Route::host, host_pattern)
          .computed(no_text),
      R::list("METHODS", "(any)", "Comma-separated methods allowed; others get 405 with Allow.", &Route::methods, method,
              "comma-separated methods such as GET,POST")
          .computed(no_text),
      R::boolean("STRIP_PREFIX", "false", "Remove PATH from the request path before forwarding.", &Route::strip_prefix),
      // The options below default to the global setting of the same name:
      // the caller seeds Route::options with Settings::route_defaults.
      R::duration("CONNECT_TIMEOUT", "GATEHOUSE_CONNECT_TIMEOUT", "Per-route connect timeout.",
                  nested(&Route::options, &RouteOptions::connect_timeout))
          .seeded(),
      R::duration("UPSTREAM_TIMEOUT", "GATEHOUSE_UPSTREAM_TIMEOUT", "Per-route upstream response timeout.",
                  nested(&Route::options, &RouteOptions::upstream_timeout))
          .seeded(),
      R::size("MAX_BODY_SIZE", "GATEHOUSE_MAX_BODY_SIZE", "Per-route request body limit.",
              nested(&Route::options, &RouteOptions::max_body_size), "a size such as 512k, 10m or 1g (0 = unlimited)")
          .seeded(),
      R::boolean("PRESERVE_HOST", "GATEHOUSE_PRESERVE_HOST", "Per-route choice of the Host sent upstream.",
                 nested(&Route::options, &RouteOptions::preserve_host))
          .seeded(),
      R::boolean("WEBSOCKET", "GATEHOUSE_WEBSOCKET", "Per-route choice: pass WebSocket upgrades through.",
                 nested(&Route::options, &RouteOptions::websocket))
          .seeded(),
      R::duration("WEBSOCKET_IDLE_TIMEOUT", "GATEHOUSE_WEBSOCKET_IDLE_TIMEOUT", "Per-route idle timeout of upgraded connections.",
                  nested(&Route::options, &RouteOptions::websocket_idle_timeout))
          .seeded(),
  };
}

}  // namespace

std::span<const SettingRow<Route>> core_route_rows() {
  static const std::vector<SettingRow<Route>> rows = make_rows();
  return rows;
}

}  // namespace gatehouse
