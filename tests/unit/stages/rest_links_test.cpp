// The link mapper's edges: which URLs are the upstream's, and how a Link
// field's URIs are found among its parameters.
#include <gtest/gtest.h>

#include "../../../src/stages/rest/link_rewriter.hpp"
#include "gatehouse/core_setting_rows.hpp"

namespace gatehouse::rest {
namespace {

Route route_to(const std::string& upstream, const std::string& prefix, bool strip) {
  Route r;
  r.name = "api";
  r.path_prefix = prefix;
  r.strip_prefix = strip;
  r.upstreams.push_back(*parse_upstream_url(upstream));
  return r;
}

TEST(RestLinkMapper, OnlyTheUpstreamsOwnUrlsAreMapped) {
  RouteLinks links(route_to("http://bookings.internal/v1", "/api", true));
  const std::string origin = "https://api.example.com";
  EXPECT_EQ(links.map("http://bookings.internal/v1/bookings/1", origin), "https://api.example.com/api/bookings/1");
  // The default port may be written out.
  EXPECT_EQ(links.map("http://bookings.internal:80/v1/bookings/1", origin), "https://api.example.com/api/bookings/1");
  EXPECT_EQ(links.map("HTTP://Bookings.Internal/v1?page=2", origin), "https://api.example.com/api?page=2");
  EXPECT_EQ(links.map("http://bookings.internal/v1", origin), "https://api.example.com/api");
  // A path prefix is a whole segment: /v10 is not under /v1.
  EXPECT_FALSE(links.map("http://bookings.internal/v10/x", origin));
  EXPECT_FALSE(links.map("http://bookings.internal:8080/v1/x", origin));  // another port
  EXPECT_FALSE(links.map("https://bookings.internal/v1/x", origin));      // another scheme
  EXPECT_FALSE(links.map("/v1/bookings/1", origin));                      // relative: left as it is
  EXPECT_TRUE(links.may_appear_in(R"({"href":"http://bookings.internal/v1/x"})"));
  EXPECT_FALSE(links.may_appear_in(R"({"href":"https://example.org/x"})"));
}

TEST(RestLinkMapper, ARouteThatKeepsItsPrefixAddsNone) {
  RouteLinks links(route_to("http://10.0.0.5:8080", "/api", false));
  EXPECT_EQ(links.map("http://10.0.0.5:8080/api/bookings/1", "http://gw"), "http://gw/api/bookings/1");
  EXPECT_EQ(links.map("http://10.0.0.5:8080", "http://gw"), "http://gw/");
}

TEST(RestLinkMapper, ALinkFieldsUrisAreMappedAndItsParametersKept) {
  RouteLinks route(route_to("http://10.0.0.5:8080", "/", false));
  LinkMapper mapper{route, "https://gw"};
  EXPECT_EQ(rewrite_link_field(R"(<http://10.0.0.5:8080/b?page=2>; rel="next"; title="<http://10.0.0.5:8080/x>")", mapper),
            R"(<https://gw/b?page=2>; rel="next"; title="<http://10.0.0.5:8080/x>")");  // a quoted '<' is text
  EXPECT_FALSE(rewrite_link_field(R"(<https://example.org/terms>; rel="terms")", mapper));
}

TEST(RestLinkMapper, JsonLabelsAreRecognised) {
  EXPECT_TRUE(is_json_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_type("application/hal+json"));
  EXPECT_TRUE(is_json_type("application/problem+JSON"));
  EXPECT_FALSE(is_json_type("text/html"));
  EXPECT_FALSE(is_json_type("application/jsonl"));
}

}  // namespace
}  // namespace gatehouse::rest
