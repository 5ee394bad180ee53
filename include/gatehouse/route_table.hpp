#pragma once
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gatehouse/settings.hpp"

namespace gatehouse {

// Finds the route for a request: longest path prefix wins (on a segment
// boundary: /api/bookings matches /api/bookings/7, not /api/bookingsX); at
// equal length a route with a host beats one without.
//
// Routes are kept by prefix in a hash map, and a request looks up the
// prefixes of its own path, longest first (one lookup per path segment):
// the cost does not grow with the number of routes.
class RouteTable {
 public:
  explicit RouteTable(const std::vector<Route>& routes);

  // `host` is the request's Host without port, lower case; `path` has no query.
  const Route* match(std::string_view host, std::string_view path) const;

 private:
  // Prefix -> the routes with that prefix, most specific host first.
  std::unordered_map<std::string_view, std::vector<const Route*>> by_prefix_;
};

bool path_has_prefix(std::string_view path, std::string_view prefix);
bool host_matches(std::string_view pattern, std::string_view host);
// Orders routes so that the first match is the most specific one.
void sort_routes_by_specificity(std::vector<Route>& routes);

}  // namespace gatehouse
