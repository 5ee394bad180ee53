#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// The documentation of one setting, taken from its row (setting_schema.hpp):
// what unknown-name detection, `--help` and the README check all come from.
struct SettingInfo {
  std::string_view name;          // full name, or the route option suffix
  std::string_view default_value; // as text
  std::string_view meaning;
};

// The core settings, in --help order (derived from the rows in
// src/config/global_rows.cpp and route_rows.cpp).
std::span<const SettingInfo> global_settings();
// Options of GATEHOUSE_ROUTE_<NAME>_<OPTION>, listed by OPTION.
std::span<const SettingInfo> route_options();

bool is_global_setting(std::string_view name);

// "GATEHOUSE_ROUTE_USER_PROFILES_STRIP_PREFIX" is route "USER_PROFILES", option "STRIP_PREFIX".
struct RouteVariable {
  std::string route;
  std::string option;
};

// Every setting name Gatehouse knows: the core settings plus those that
// stages contribute (global GATEHOUSE_* names and route option suffixes).
// A default-constructed catalog holds the core settings only. The catalog
// keeps SettingInfo, whose strings are views: rows' names are literals.
class SettingCatalog {
 public:
  SettingCatalog();

  // Adds a stage's settings (docs_of(rows)). Throws std::logic_error on a
  // name already known, and on a global name under GATEHOUSE_ROUTE_, which
  // would be read as a route variable.
  SettingCatalog& add_globals(std::span<const SettingInfo> settings);
  SettingCatalog& add_route_options(std::span<const SettingInfo> options);

  std::span<const SettingInfo> globals() const { return globals_; }
  std::span<const SettingInfo> route_options() const { return route_options_; }

  bool is_global(std::string_view name) const;
  // Splits a GATEHOUSE_ROUTE_ variable, trying the longest option names
  // first; nullopt when no option fits or the route part is not [A-Z0-9_].
  std::optional<RouteVariable> split_route_variable(std::string_view name) const;

 private:
  std::vector<SettingInfo> globals_;
  std::vector<SettingInfo> route_options_;
};

// A global setting of the catalog, or a route option of a route.
bool is_known_setting(std::string_view name, const SettingCatalog& catalog);
bool is_known_setting(std::string_view name);

// "GATEHOUSE_ROUTE_USER_PROFILES_" for route "user_profiles": the prefix of
// its variables, for apply_settings.
std::string route_variable_prefix(std::string_view route_name);

// "did you mean" for an unknown variable; "" when nothing is close.
std::string suggest_setting(std::string_view unknown, std::span<const std::string> route_names = {});
std::string suggest_setting(std::string_view unknown, std::span<const std::string> route_names, const SettingCatalog& catalog);
// Levenshtein distance; exposed for tests.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The text of `gatehouse --help`, with the catalog's settings.
std::string help_text();
std::string help_text(const SettingCatalog& catalog);

}  // namespace gatehouse
