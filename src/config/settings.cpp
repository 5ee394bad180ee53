// load_settings: the names are checked against the catalog, the rows are
// applied, then the checks that involve more than one setting.
#include "gatehouse/settings.hpp"

#include <algorithm>
#include <set>
#include <fmt/format.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/route_table.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

// Unknown GATEHOUSE_ names fail first: a typo must not silently fall back to
// a default. Gives the names (upper case) of the routes the variables define.
std::set<std::string> route_names_of(const EnvMap& env, const SettingCatalog& catalog) {
  std::set<std::string> route_names;
  std::vector<std::string> unknown;
  for (const auto& [name, value] : env) {
    if (!name.starts_with("GATEHOUSE_")) continue;
    if (auto v = catalog.split_route_variable(name)) route_names.insert(v->route);
    else if (!catalog.is_global(name)) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::vector<std::string> names(route_names.begin(), route_names.end());
    std::string hint = suggest_setting(unknown.front(), names, catalog);
    throw ConfigError(fmt::format("{}=\"{}\": unknown setting{}", unknown.front(), env.find(unknown.front())->second,
                                  hint.empty() ? std::string(" (see gatehouse --help)") : fmt::format(" (did you mean {}?)", hint)));
  }
  return route_names;
}

void check_listeners(const Settings& s) {
  if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
    const char* missing = s.tls_cert_file.empty() ? "GATEHOUSE_TLS_CERT" : "GATEHOUSE_TLS_KEY";
    throw ConfigError(fmt::format("{} is not set: TLS needs both GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY", missing));
  }
  if (s.admin_port && *s.admin_port != 0 && *s.admin_port == s.port)
    throw_bad_setting("GATEHOUSE_ADMIN_PORT", std::to_string(*s.admin_port),
                      "a port other than the public port (metrics stay off the public listener)");
}

Route load_route(const std::string& upper_name, const EnvMap& env, const RouteOptions& defaults) {
  const std::string prefix = route_variable_prefix(upper_name);
  Route route;
  route.name = to_lower(upper_name);
  if (!env.contains(prefix + "PATH"))
    throw ConfigError(fmt::format("{}PATH is not set: every route needs a path prefix such as /api/{}", prefix, route.name));
  if (!env.contains(prefix + "UPSTREAM"))
    throw ConfigError(
        fmt::format("{}UPSTREAM is not set: every route needs at least one upstream URL such as http://127.0.0.1:9000", prefix));
  route.options = defaults;  // the seed of the options that default to the global setting
  apply_settings(core_route_rows(), env, route, prefix);
  return route;
}

// Two routes that claim the same host and prefix would make one of them dead.
void check_distinct(const std::vector<Route>& routes) {
  for (std::size_t i = 0; i < routes.size(); ++i)
    for (std::size_t j = i + 1; j < routes.size(); ++j)
      if (routes[i].path_prefix == routes[j].path_prefix && routes[i].host == routes[j].host)
        throw ConfigError(fmt::format("GATEHOUSE_ROUTE_{}_PATH=\"{}\": expected a prefix (or host) not already used by route {}",
                                      to_upper(routes[j].name), routes[j].path_prefix, routes[i].name));
}

}  // namespace

bool Route::allows(std::string_view method) const {
  return methods.empty() || std::find(methods.begin(), methods.end(), method) != methods.end();
}

Settings load_settings(const EnvMap& env, unsigned default_workers) { return load_settings(env, default_workers, SettingCatalog()); }

Settings load_settings(const EnvMap& env, unsigned default_workers, const SettingCatalog& catalog) {
  std::set<std::string> route_names = route_names_of(env, catalog);

  Settings s;
  s.workers = std::max(1u, default_workers);  // the seed of GATEHOUSE_WORKERS ("number of cores")
  apply_settings(core_global_rows(), env, s);
  check_listeners(s);

  for (const auto& name : route_names) s.routes.push_back(load_route(name, env, s.route_defaults));
  if (s.routes.empty())
    throw ConfigError(
        "GATEHOUSE_ROUTE_<NAME>_PATH is not set: no route is configured; set e.g. GATEHOUSE_ROUTE_API_PATH=/ and "
        "GATEHOUSE_ROUTE_API_UPSTREAM=http://127.0.0.1:9000");
  check_distinct(s.routes);
  sort_routes_by_specificity(s.routes);
  return s;
}

}  // namespace gatehouse
