#include <gtest/gtest.h>

#include "gatehouse/route_table.hpp"

using namespace gatehouse;

namespace {
Route route(std::string name, std::string prefix, std::string host = "") {
  Route r;
  r.name = std::move(name);
  r.path_prefix = std::move(prefix);
  r.host = std::move(host);
  return r;
}
}  // namespace

TEST(RouteTable, LongestPrefixOnSegmentBoundary) {
  std::vector<Route> routes{route("all", "/"), route("bookings", "/api/bookings"), route("api", "/api")};
  sort_routes_by_specificity(routes);
  RouteTable t(routes);
  EXPECT_EQ(t.match("x", "/api/bookings/7")->name, "bookings");
  EXPECT_EQ(t.match("x", "/api/bookings")->name, "bookings");
  EXPECT_EQ(t.match("x", "/api/bookingsX")->name, "api");
  EXPECT_EQ(t.match("x", "/api")->name, "api");
  EXPECT_EQ(t.match("x", "/apix")->name, "all");
  EXPECT_EQ(t.match("x", "/")->name, "all");
}

TEST(RouteTable, NoCatchAllMeansNoMatch) {
  std::vector<Route> routes{route("api", "/api")};
  RouteTable t(routes);
  EXPECT_EQ(t.match("x", "/other"), nullptr);
}

TEST(RouteTable, HostSpecificBeatsAnyHostAtEqualLength) {
  std::vector<Route> routes{route("any", "/v1"), route("wild", "/v1", "*.example.com"), route("exact", "/v1", "api.example.com")};
  sort_routes_by_specificity(routes);
  RouteTable t(routes);
  EXPECT_EQ(t.match("api.example.com", "/v1/x")->name, "exact");
  EXPECT_EQ(t.match("www.example.com", "/v1/x")->name, "wild");
  EXPECT_EQ(t.match("example.com", "/v1/x")->name, "any");
  EXPECT_EQ(t.match("other.org", "/v1")->name, "any");
}

TEST(RouteTable, MethodsAllowed) {
  Route r = route("a", "/a");
  EXPECT_TRUE(r.allows("DELETE"));
  r.methods = {"GET", "POST"};
  EXPECT_TRUE(r.allows("GET"));
  EXPECT_FALSE(r.allows("DELETE"));
}

TEST(RouteTable, ALongerPrefixForAnotherHostFallsBackToAShorterOne) {
  std::vector<Route> routes{route("all", "/"), route("api", "/api"), route("partner", "/api/orders", "partner.example.com")};
  sort_routes_by_specificity(routes);
  RouteTable t(routes);
  EXPECT_EQ(t.match("partner.example.com", "/api/orders/1")->name, "partner");
  EXPECT_EQ(t.match("www.example.com", "/api/orders/1")->name, "api");
  EXPECT_EQ(t.match("www.example.com", "/api/")->name, "api");  // a trailing slash is still on the boundary
}

TEST(RouteTable, AThousandRoutesEachFindTheirOwn) {
  std::vector<Route> routes{route("all", "/")};
  for (int i = 0; i < 1000; ++i) routes.push_back(route("svc" + std::to_string(i), "/svc" + std::to_string(i)));
  sort_routes_by_specificity(routes);
  RouteTable t(routes);
  for (int i = 0; i < 1000; i += 37) EXPECT_EQ(t.match("x", "/svc" + std::to_string(i) + "/items/9")->name, "svc" + std::to_string(i));
  EXPECT_EQ(t.match("x", "/svc1000/items")->name, "all");
  EXPECT_EQ(t.match("x", "/svc12x")->name, "all");
}
