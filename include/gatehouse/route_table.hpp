#pragma once
#include <string_view>
#include <vector>

#include "gatehouse/settings.hpp"

namespace gatehouse {

// Finds the route for a request: longest path prefix wins (on a segment
// boundary: /api/bookings matches /api/bookings/7, not /api/bookingsX); at
// equal length a route with a host beats one without.
class RouteTable {
 public:
  explicit RouteTable(const std::vector<Route>& routes);

  // `host` is the request's Host without port, lower case; `path` has no query.
  const Route* match(std::string_view host, std::string_view path) const;

 private:
  std::vector<const Route*> ordered_;
};

bool path_has_prefix(std::string_view path, std::string_view prefix);
bool host_matches(std::string_view pattern, std::string_view host);
// Orders routes so that the first match is the most specific one.
void sort_routes_by_specificity(std::vector<Route>& routes);

}  // namespace gatehouse
