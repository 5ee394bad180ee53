#include <algorithm>
#include <vector>

#include "gatehouse/schema.hpp"

namespace gatehouse {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggest_setting(std::string_view unknown, std::span<const std::string> route_names) {
  return suggest_setting(unknown, route_names, SettingCatalog());
}

std::string suggest_setting(std::string_view unknown, std::span<const std::string> route_names, const SettingCatalog& catalog) {
  std::vector<std::string> candidates;
  for (const auto& s : catalog.globals()) candidates.emplace_back(s.name);
  for (const auto& route : route_names)
    for (const auto& option : catalog.route_options())
      candidates.push_back("GATEHOUSE_ROUTE_" + route + "_" + std::string(option.name));

  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, unknown.size() / 4) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(unknown, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace gatehouse
