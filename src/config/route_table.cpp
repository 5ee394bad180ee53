#include "gatehouse/route_table.hpp"

#include <algorithm>

namespace gatehouse {

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.empty()) return true;
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  return pattern == host;
}

void sort_routes_by_specificity(std::vector<Route>& routes) {
  std::stable_sort(routes.begin(), routes.end(), [](const Route& a, const Route& b) {
    if (a.path_prefix.size() != b.path_prefix.size()) return a.path_prefix.size() > b.path_prefix.size();
    // Exact hosts before wildcards before "any host".
    auto rank = [](const Route& r) { return r.host.empty() ? 2 : r.host.starts_with("*.") ? 1 : 0; };
    return rank(a) < rank(b);
  });
}

RouteTable::RouteTable(const std::vector<Route>& routes) {
  for (const auto& r : routes) ordered_.push_back(&r);
}

const Route* RouteTable::match(std::string_view host, std::string_view path) const {
  for (const Route* r : ordered_)
    if (host_matches(r->host, host) && path_has_prefix(path, r->path_prefix)) return r;
  return nullptr;
}

}  // namespace gatehouse
