// SettingCatalog: the names that count as known, core and stages' together.
#include <algorithm>
#include <stdexcept>

#include "gatehouse/schema.hpp"

namespace gatehouse {
namespace {

constexpr std::string_view kRoutePrefix = "GATEHOUSE_ROUTE_";

bool has(const std::vector<SettingInfo>& list, std::string_view name) {
  return std::any_of(list.begin(), list.end(), [&](const SettingInfo& s) { return s.name == name; });
}

}  // namespace

SettingCatalog::SettingCatalog()
    : globals_(gatehouse::global_settings().begin(), gatehouse::global_settings().end()),
      route_options_(gatehouse::route_options().begin(), gatehouse::route_options().end()) {}

SettingCatalog& SettingCatalog::add_globals(std::span<const SettingInfo> settings) {
  for (const auto& s : settings) {
    if (has(globals_, s.name)) throw std::logic_error("setting " + std::string(s.name) + " is declared twice");
    if (s.name.starts_with(kRoutePrefix)) throw std::logic_error("global setting " + std::string(s.name) + " is under GATEHOUSE_ROUTE_");
    globals_.push_back(s);
  }
  return *this;
}

SettingCatalog& SettingCatalog::add_route_options(std::span<const SettingInfo> options) {
  for (const auto& o : options) {
    if (o.name.empty() || has(route_options_, o.name))
      throw std::logic_error("route option '" + std::string(o.name) + "' is empty or declared twice");
    route_options_.push_back(o);
  }
  return *this;
}

bool SettingCatalog::is_global(std::string_view name) const { return has(globals_, name); }

std::optional<RouteVariable> SettingCatalog::split_route_variable(std::string_view name) const {
  if (!name.starts_with(kRoutePrefix)) return std::nullopt;
  std::string_view rest = name.substr(kRoutePrefix.size());
  // Longest first: ..._UPSTREAM_TIMEOUT is the option UPSTREAM_TIMEOUT, not a route ending in _UPSTREAM.
  std::vector<std::string_view> options;
  for (const auto& o : route_options_) options.push_back(o.name);
  std::stable_sort(options.begin(), options.end(), [](auto a, auto b) { return a.size() > b.size(); });
  for (auto o : options) {
    if (rest.size() > o.size() + 1 && rest.ends_with(o) && rest[rest.size() - o.size() - 1] == '_') {
      RouteVariable v{std::string(rest.substr(0, rest.size() - o.size() - 1)), std::string(o)};
      bool upper = std::all_of(v.route.begin(), v.route.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!upper) return std::nullopt;
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace gatehouse
