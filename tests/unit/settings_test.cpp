#include <gtest/gtest.h>
#include <unistd.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/settings.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;

namespace {
EnvMap base() {
  return {{"GATEHOUSE_ROUTE_BOOKINGS_PATH", "/api/bookings"},
          {"GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM", "http://10.0.0.5:8080, https://svc.internal/v1/"}};
}

std::string error_of(const EnvMap& env) {
  try {
    load_settings(env, 2);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Settings, DefaultsAndARoute) {
  Settings s = load_settings(base(), 3);
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.workers, 3u);
  EXPECT_EQ(s.header_timeout, 10000ms);
  ASSERT_EQ(s.routes.size(), 1u);
  const Route& r = s.routes[0];
  EXPECT_EQ(r.name, "bookings");
  EXPECT_EQ(r.path_prefix, "/api/bookings");
  ASSERT_EQ(r.upstreams.size(), 2u);
  EXPECT_EQ(r.upstreams[0].text(), "http://10.0.0.5:8080");
  EXPECT_EQ(r.upstreams[1].text(), "https://svc.internal:443/v1");
  EXPECT_TRUE(r.upstreams[1].tls);
  EXPECT_EQ(r.options.connect_timeout, 5000ms);
}

TEST(Settings, PortFallsBackToPortVariable) {
  auto env = base();
  env["PORT"] = "5000";
  EXPECT_EQ(load_settings(env, 1).port, 5000);
  env["GATEHOUSE_PORT"] = "6000";
  EXPECT_EQ(load_settings(env, 1).port, 6000);
}

TEST(Settings, PerRouteOptionsOverrideGlobalDefaults) {
  auto env = base();
  env["GATEHOUSE_CONNECT_TIMEOUT"] = "2s";
  env["GATEHOUSE_UPSTREAM_TIMEOUT"] = "30s";
  env["GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM_TIMEOUT"] = "250ms";
  env["GATEHOUSE_ROUTE_BOOKINGS_STRIP_PREFIX"] = "yes";
  env["GATEHOUSE_ROUTE_BOOKINGS_METHODS"] = "get, post";
  env["GATEHOUSE_ROUTE_USER_PROFILES_PATH"] = "/profiles/";
  env["GATEHOUSE_ROUTE_USER_PROFILES_UPSTREAM"] = "http://[::1]:9000";
  Settings s = load_settings(env, 1);
  ASSERT_EQ(s.routes.size(), 2u);
  const Route& b = s.routes[0];  // the longer prefix sorts first
  EXPECT_EQ(b.name, "bookings");
  EXPECT_EQ(b.options.connect_timeout, 2000ms);
  EXPECT_EQ(b.options.upstream_timeout, 250ms);
  EXPECT_TRUE(b.strip_prefix);
  EXPECT_EQ(b.methods, (std::vector<std::string>{"GET", "POST"}));
  const Route& p = s.routes[1];
  EXPECT_EQ(p.name, "user_profiles");
  EXPECT_EQ(p.path_prefix, "/profiles");
  EXPECT_EQ(p.upstreams[0].authority(), "[::1]:9000");
  EXPECT_EQ(p.options.upstream_timeout, 30000ms);
}

TEST(Settings, BadValuesNameVariableValueAndExpectation) {
  auto env = base();
  env["GATEHOUSE_CONNECT_TIMEOUT"] = "5 sec";
  EXPECT_EQ(error_of(env), "GATEHOUSE_CONNECT_TIMEOUT=\"5 sec\": expected a positive duration such as 250ms, 5s or 2m");
  env = base();
  env["GATEHOUSE_WORKERS"] = "0";
  EXPECT_EQ(error_of(env), "GATEHOUSE_WORKERS=\"0\": expected a whole number from 1 to 256");
  env = base();
  env["GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM"] = "ftp://x";
  EXPECT_EQ(error_of(env),
            "GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM=\"ftp://x\": expected comma-separated http:// or https:// URLs such as "
            "http://10.0.0.5:8080");
  env = base();
  env["GATEHOUSE_LOG_FORMAT"] = "xml";
  EXPECT_EQ(error_of(env), "GATEHOUSE_LOG_FORMAT=\"xml\": expected logfmt or json");
  env = base();
  env["GATEHOUSE_TLS_CERT"] = "/etc/cert.pem";
  EXPECT_EQ(error_of(env), "GATEHOUSE_TLS_KEY is not set: TLS needs both GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY");
}

TEST(Settings, UnknownVariableGetsDidYouMean) {
  auto env = base();
  env["GATEHOUSE_CONECT_TIMEOUT"] = "1s";
  EXPECT_EQ(error_of(env), "GATEHOUSE_CONECT_TIMEOUT=\"1s\": unknown setting (did you mean GATEHOUSE_CONNECT_TIMEOUT?)");
  env = base();
  env["GATEHOUSE_ROUTE_BOOKINGS_UPSTREAMS"] = "http://x";
  EXPECT_EQ(error_of(env),
            "GATEHOUSE_ROUTE_BOOKINGS_UPSTREAMS=\"http://x\": unknown setting (did you mean GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM?)");
  env = base();
  env["GATEHOUSE_FLUX_CAPACITOR"] = "on";
  EXPECT_EQ(error_of(env), "GATEHOUSE_FLUX_CAPACITOR=\"on\": unknown setting (see gatehouse --help)");
}

TEST(Settings, IncompleteOrDuplicateRoutes) {
  EnvMap env{{"GATEHOUSE_ROUTE_A_PATH", "/a"}};
  EXPECT_EQ(error_of(env),
            "GATEHOUSE_ROUTE_A_UPSTREAM is not set: every route needs at least one upstream URL such as http://127.0.0.1:9000");
  env = {{"GATEHOUSE_ROUTE_A_UPSTREAM", "http://x"}};
  EXPECT_EQ(error_of(env), "GATEHOUSE_ROUTE_A_PATH is not set: every route needs a path prefix such as /api/a");
  env = base();
  env["GATEHOUSE_ROUTE_OTHER_PATH"] = "/api/bookings/";
  env["GATEHOUSE_ROUTE_OTHER_UPSTREAM"] = "http://y";
  EXPECT_EQ(error_of(env), "GATEHOUSE_ROUTE_OTHER_PATH=\"/api/bookings\": expected a prefix (or host) not already used by route bookings");
  EXPECT_NE(error_of({}).find("no route is configured"), std::string::npos);
}

TEST(Settings, DescribeListsEveryRoute) {
  auto env = base();
  env["GATEHOUSE_ROUTE_ALL_PATH"] = "/";
  env["GATEHOUSE_ROUTE_ALL_UPSTREAM"] = "http://monolith:3000";
  std::string text = describe_settings(load_settings(env, 2));
  EXPECT_NE(text.find("bookings"), std::string::npos);
  EXPECT_NE(text.find("http://monolith:3000"), std::string::npos);
  EXPECT_LT(text.find("bookings"), text.find("monolith"));  // match order
}

TEST(Schema, EditDistanceAndHelp) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_NE(help_text().find("GATEHOUSE_DRAIN_TIMEOUT"), std::string::npos);
}

TEST(Settings, UnderscoreHeaders) {
  Settings s = load_settings(base(), 1);
  EXPECT_EQ(s.headers_with_underscores, UnderscoreHeaders::drop);

  EnvMap env = base();
  env["GATEHOUSE_HEADERS_WITH_UNDERSCORES"] = "Reject";
  s = load_settings(env, 1);
  EXPECT_EQ(s.headers_with_underscores, UnderscoreHeaders::reject);

  env["GATEHOUSE_HEADERS_WITH_UNDERSCORES"] = "fold";
  EXPECT_EQ(error_of(env), "GATEHOUSE_HEADERS_WITH_UNDERSCORES=\"fold\": expected drop, allow or reject");
}
