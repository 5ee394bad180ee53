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

namespace {
// Exact hosts before wildcards before "any host".
int host_rank(const Route& r) { return r.host.empty() ? 2 : r.host.starts_with("*.") ? 1 : 0; }
}  // namespace

void sort_routes_by_specificity(std::vector<Route>& routes) {
  std::stable_sort(routes.begin(), routes.end(), [](const Route& a, const Route& b) {
    if (a.path_prefix.size() != b.path_prefix.size()) return a.path_prefix.size() > b.path_prefix.size();
    return host_rank(a) < host_rank(b);
  });
}

RouteTable::RouteTable(const std::vector<Route>& routes) {
  // `routes` is sorted by specificity (sort_routes_by_specificity), so each
  // prefix's list comes out most specific host first. Sorted here too, for
  // callers that did not.
  std::vector<const Route*> ordered;
  for (const auto& r : routes) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Route* a, const Route* b) { return host_rank(*a) < host_rank(*b); });
  for (const Route* r : ordered) by_prefix_[r->path_prefix].push_back(r);
}

const Route* RouteTable::match(std::string_view host, std::string_view path) const {
  auto in = [&](std::string_view prefix) -> const Route* {
    auto it = by_prefix_.find(prefix);
    if (it == by_prefix_.end()) return nullptr;
    for (const Route* r : it->second)
      if (host_matches(r->host, host)) return r;
    return nullptr;
  };
  // The path itself, then each prefix that ends before a '/', then "/".
  std::string_view candidate = path;
  while (candidate.size() > 1) {
    if (const Route* r = in(candidate)) return r;
    auto slash = candidate.rfind('/');
    if (slash == std::string_view::npos || slash == 0) break;
    candidate = candidate.substr(0, slash);
  }
  return in("/");
}

}  // namespace gatehouse
