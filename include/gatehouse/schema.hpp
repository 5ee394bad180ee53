#pragma once
#include <span>
#include <string>
#include <string_view>

namespace gatehouse {

// Every setting Gatehouse knows, in one table: what unknown-name detection,
// `--help` and the README's settings reference all come from.
struct SettingInfo {
  std::string_view name;          // full name, or the route option suffix
  std::string_view default_value; // as text
  std::string_view meaning;
};

std::span<const SettingInfo> global_settings();
// Options of GATEHOUSE_ROUTE_<NAME>_<OPTION>, listed by OPTION.
std::span<const SettingInfo> route_options();

bool is_global_setting(std::string_view name);

// "did you mean" for an unknown variable; "" when nothing is close.
std::string suggest_setting(std::string_view unknown, std::span<const std::string> route_names = {});
// Levenshtein distance; exposed for tests.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The text of `gatehouse --help`.
std::string help_text();

}  // namespace gatehouse
