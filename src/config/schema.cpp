// The documentation side of the core rows: the tables --help, the unknown-name
// check and the README test read, and the text of --help.
#include "gatehouse/schema.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/redis_settings.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

std::span<const SettingInfo> global_settings() {
  static const std::vector<SettingInfo> docs = [] {
    auto all = docs_of(core_global_rows());
    for (auto& redis : docs_of(redis_setting_rows())) all.push_back(std::move(redis));
    return all;
  }();
  return docs;
}

std::span<const SettingInfo> route_options() {
  static const std::vector<SettingInfo> docs = docs_of(core_route_rows());
  return docs;
}

bool is_global_setting(std::string_view name) {
  auto all = global_settings();
  return std::any_of(all.begin(), all.end(), [&](const SettingInfo& s) { return s.name == name; });
}

bool is_known_setting(std::string_view name, const SettingCatalog& catalog) {
  return catalog.is_global(name) || catalog.split_route_variable(name).has_value();
}

bool is_known_setting(std::string_view name) { return is_known_setting(name, SettingCatalog()); }

std::string route_variable_prefix(std::string_view route_name) { return "GATEHOUSE_ROUTE_" + to_upper(route_name) + "_"; }

std::string help_text() { return help_text(SettingCatalog()); }

std::string help_text(const SettingCatalog& catalog) {
  std::string out = fmt::format(
      "gatehouse {} - an API gateway routed from environment variables\n\n"
      "Usage: gatehouse [--check-config | --help | --version]\n\n"
      "  --check-config  validate the settings and print the effective route table\n"
      "  --help          this text\n"
      "  --version       print the version\n\n"
      "Settings come from the environment; a .env file in the working directory is\n"
      "read first and the real environment wins.\n\n",
      GATEHOUSE_VERSION);
  for (const auto& s : catalog.globals()) out += fmt::format("  {:<32} default {:<16} {}\n", s.name, s.default_value, s.meaning);
  out += "\nRoutes: GATEHOUSE_ROUTE_<NAME>_<OPTION>, one group of variables a route:\n";
  for (const auto& s : catalog.route_options())
    out += fmt::format("  {:<32} default {:<16} {}\n", "..._" + std::string(s.name), s.default_value, s.meaning);
  return out;
}

}  // namespace gatehouse
