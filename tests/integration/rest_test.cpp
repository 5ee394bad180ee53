// REST rules as clients and operators see them: a real gateway in front of
// the demo upstream, each rule in each mode, read back from the answer, the
// access line (rest=) and /metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;

namespace {

// /api/... reaches the demo upstream's own paths (/exec/..., /status/N, ...).
Env api_env(const DemoUpstream& up, Env more = {}) {
  Env env{{"GATEHOUSE_ROUTE_API_PATH", "/api"}, {"GATEHOUSE_ROUTE_API_STRIP_PREFIX", "true"}, {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()}};
  for (auto& [k, v] : more) env[k] = v;
  return env;
}

struct Seen {
  Response response;
  std::string rest;        // the access line's rest=
  std::string request_id;  // and its request_id=
};

Seen send(Gateway& gw, const std::string& method, const std::string& target, const std::string& body = "", std::vector<std::string> headers = {}) {
  std::size_t before = gw.access_lines().size();
  Seen s{http_request(gw.port(), method, target, std::move(headers), body), {}, {}};
  std::string line = gw.wait_for_lines(before + 1).at(before);
  s.rest = logfmt_field(line, "rest");
  s.request_id = logfmt_field(line, "request_id");
  return s;
}

std::string problem_type(const Response& r) { return json::parse(r.body).value("type", ""); }

std::string metric_line(Gateway& gw, const std::string& rule) {
  std::string text = http_request(gw.admin_port(), "GET", "/metrics").body;
  std::string needle = "gatehouse_rest_violations_total{route=\"api\",rule=\"" + rule + "\"} ";
  auto at = text.find(needle);
  return at == std::string::npos ? "" : text.substr(at + needle.size(), text.find('\n', at) - at - needle.size());
}

TEST(RestRules, AnActionInThePathIsReportedByDefaultAndTheRequestGoesThrough) {
  DemoUpstream up;
  Gateway gw{api_env(up)};
  Seen s = send(gw, "POST", "/api/exec/bookings/1/cancel", "{}", {"Content-Type: application/json"});
  EXPECT_EQ(s.response.status, 200);
  EXPECT_EQ(s.rest, "action-segment");
  EXPECT_EQ(metric_line(gw, "action-segment"), "1");
  // A noun is a noun: the resource the action made.
  EXPECT_EQ(send(gw, "POST", "/api/exec/bookings/1/cancellation", "{}").rest, "-");
  EXPECT_EQ(send(gw, "POST", "/api/exec/settings", "{}").rest, "-");  // "set" begins it, but it names a thing
  EXPECT_EQ(send(gw, "POST", "/api/exec/bookings/1/cancelBooking", "{}").rest, "action-segment");
}

TEST(RestRules, AnEnforcedActionInThePathIsAProblemNamingTheRuleAndNeverReachesTheUpstream) {
  DemoUpstream up;
  Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_REST_MODE", "enforce"}})};
  Seen s = send(gw, "POST", "/api/exec/bookings/1/cancel", "{}", {"Idempotency-Key: never-run", "Content-Type: application/json"});
  EXPECT_EQ(s.response.status, 400);
  EXPECT_EQ(s.response.header("Content-Type"), "application/problem+json");
  json p = json::parse(s.response.body);
  EXPECT_EQ(p["type"], "/problems/action-segment");
  EXPECT_NE(p["detail"].get<std::string>().find("cancellation"), std::string::npos) << p["detail"];
  EXPECT_EQ(p["request_id"], s.request_id);
  EXPECT_EQ(s.response.header("X-Request-Id"), s.request_id);
  EXPECT_EQ(s.rest, "action-segment");
  EXPECT_EQ(json::parse(http_request(up.port(), "GET", "/__executions?key=never-run").body)["count"], 0);
}

TEST(RestRules, OffChecksNothingAndVerbsCanBeAddedAndExcepted) {
  DemoUpstream up;
  {
    Gateway gw{api_env(up, {{"GATEHOUSE_REST_MODE", "off"}})};
    Seen s = send(gw, "POST", "/api/exec/bookings/1/cancel", "{}");
    EXPECT_EQ(s.response.status, 200);
    EXPECT_EQ(s.rest, "-");
  }
  Gateway gw{api_env(up, {{"GATEHOUSE_REST_MODE", "enforce"}, {"GATEHOUSE_REST_VERBS", "refund"}, {"GATEHOUSE_REST_VERB_EXCEPTIONS", "run"}})};
  EXPECT_EQ(send(gw, "POST", "/api/exec/payments/1/refund", "{}").response.status, 400);
  EXPECT_EQ(send(gw, "GET", "/api/exec/pipelines/7/run").response.status, 200);  // a run is a thing here
}

TEST(RestRules, ABodyOnGetIsReportedOrRefused) {
  DemoUpstream up;
  {
    Gateway gw{api_env(up)};
    Seen s = send(gw, "GET", "/api/echo", "{\"q\":1}");
    EXPECT_EQ(s.response.status, 200);
    EXPECT_EQ(s.rest, "unexpected-body");
    EXPECT_EQ(send(gw, "GET", "/api/echo").rest, "not-cacheable");  // without a body, only the response's rule
  }
  Gateway gw{api_env(up, {{"GATEHOUSE_REST_RULE_UNEXPECTED_BODY", "enforce"}})};
  Seen s = send(gw, "DELETE", "/api/exec/bookings/1", "{\"why\":\"x\"}");
  EXPECT_EQ(s.response.status, 400);
  EXPECT_EQ(problem_type(s.response), "/problems/unexpected-body");
}

TEST(RestRules, AMethodTheRouteDoesNotAllowIs405WithAllowUnlessTheRuleOnlyReports) {
  DemoUpstream up;
  {
    // The route's METHODS are its contract: enforced even where REST is off.
    Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_METHODS", "GET,PUT"}, {"GATEHOUSE_ROUTE_API_REST_MODE", "off"}})};
    Seen s = send(gw, "POST", "/api/exec/bookings", "{}");
    EXPECT_EQ(s.response.status, 405);
    EXPECT_EQ(s.response.header("Allow"), "GET, PUT");
    EXPECT_EQ(problem_type(s.response), "/problems/method-not-allowed");
    EXPECT_EQ(s.rest, "method-not-allowed");
  }
  Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_METHODS", "GET,PUT"}, {"GATEHOUSE_REST_RULE_METHOD_NOT_ALLOWED", "report"}})};
  Seen s = send(gw, "POST", "/api/exec/bookings", "{}");
  EXPECT_EQ(s.response.status, 200);
  EXPECT_EQ(s.rest, "method-not-allowed");
}

TEST(RestRules, AMissingKeyWhereTheRouteRequiresOneIsNamed) {
  DemoUpstream up;
  Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_IDEMPOTENCY", "required"}})};
  Seen s = send(gw, "PUT", "/api/exec/bookings/1", "{}");
  EXPECT_EQ(s.response.status, 400);
  EXPECT_EQ(problem_type(s.response), "/problems/idempotency-key-missing");
  EXPECT_EQ(s.rest, "idempotency-key-missing");
  EXPECT_EQ(send(gw, "PUT", "/api/exec/bookings/1", "{}", {"Idempotency-Key: k1"}).rest, "-");
}

TEST(RestRules, ResponseRulesReportEvenWhereTheRouteEnforces) {
  DemoUpstream up;
  // The demo's JSON has no _links: that rule has a test of its own.
  Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_REST_MODE", "enforce"}, {"GATEHOUSE_REST_RULE_MISSING_SELF_LINK", "off"}})};
  Seen created = send(gw, "GET", "/api/status/201");
  EXPECT_EQ(created.response.status, 201);  // the upstream has acted: only reported
  EXPECT_EQ(created.rest, "created-on-get");
  EXPECT_EQ(metric_line(gw, "created-without-location"), "1");  // counted too, though the line names the first
  EXPECT_EQ(send(gw, "GET", "/api/").rest, "not-cacheable");
  EXPECT_EQ(send(gw, "GET", "/api/response-headers?ETag=%22v1%22").rest, "-");
  EXPECT_EQ(send(gw, "GET", "/api/response-headers?Cache-Control=max-age%3D60").rest, "-");
  // Errors need not be problem+json unless a setting asks.
  EXPECT_EQ(send(gw, "GET", "/api/status/404").rest, "-");
}

TEST(RestRules, ErrorsThatAreNotProblemsAreReportedWhenASettingAsks) {
  DemoUpstream up;
  Gateway gw{api_env(up, {{"GATEHOUSE_REST_RULE_ERROR_NOT_PROBLEM", "report"}})};
  Seen s = send(gw, "GET", "/api/status/404");
  EXPECT_EQ(s.response.status, 404);
  EXPECT_EQ(s.rest, "error-not-problem");
  EXPECT_EQ(metric_line(gw, "error-not-problem"), "1");
}

TEST(RestRules, ARoutePathThatIsAnActionIsSaidOnceAtStartUp) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_LEGACY_PATH", "/bookings/cancel"}, {"GATEHOUSE_ROUTE_LEGACY_UPSTREAM", up.url()}}};
  std::string err = gw.process().wait_for_output("rule action-segment", true, std::chrono::seconds(5));
  EXPECT_NE(err.find("route legacy has the action 'cancel' in its path /bookings/cancel"), std::string::npos) << err;
}

TEST(RestRules, ABadModeStopsStartUpNamingTheVariable) {
  TempDir dir;
  Process p(build_dir() + "/gatehouse", {}, {{"GATEHOUSE_REST_RULE_ACTION_SEGMENT", "loud"}, {"GATEHOUSE_PORT", "0"}, {"GATEHOUSE_ROUTE_API_PATH", "/"},
                                              {"GATEHOUSE_ROUTE_API_UPSTREAM", "http://127.0.0.1:9"}}, dir.path());
  EXPECT_NE(p.wait(std::chrono::seconds(10)), 0);
  std::string err = p.stderr_text();
  EXPECT_NE(err.find("GATEHOUSE_REST_RULE_ACTION_SEGMENT"), std::string::npos) << err;
  EXPECT_NE(err.find("loud"), std::string::npos) << err;
}

// ---- Hypermedia links ----------------------------------------------------

// The demo upstream's /hal links to itself as the gateway reaches it.
struct Hal {
  DemoUpstream up;
  Gateway gw;
  explicit Hal(Env more = {}) : gw(api_env(up, std::move(more))) {}
  std::string internal() const { return "http://127.0.0.1:" + std::to_string(up.port()); }
  // http_request sends Host: test.local; the route strips its prefix /api.
  std::string public_base() const { return "http://test.local/api"; }
};

TEST(RestLinks, HalLinksHeadersAndNestedDocumentsNameThePublicUrl) {
  Hal h;
  Seen s = send(h.gw, "GET", "/api/hal");
  ASSERT_EQ(s.response.status, 200);
  json doc = json::parse(s.response.body);
  std::string pub = h.public_base();
  EXPECT_EQ(doc["_links"]["self"]["href"], pub + "/bookings/1");
  EXPECT_EQ(doc["_links"]["items"][0]["href"], pub + "/bookings/1/items/1");  // arrays of links
  EXPECT_EQ(doc["_links"]["items"][1]["href"], pub + "/bookings/1/items/2");
  EXPECT_EQ(doc["_links"]["search"]["href"], pub + "/bookings{?page}");  // templated
  EXPECT_EQ(doc["_links"]["search"]["templated"], true);
  EXPECT_EQ(doc["_links"]["elsewhere"]["href"], "https://example.org/x");  // not the upstream's
  EXPECT_EQ(doc["_embedded"]["items"][0]["_links"]["self"]["href"], pub + "/bookings/1/items/1");  // nested HAL
  EXPECT_EQ(doc["note"], h.internal() + "/not-a-link");  // JSON-aware: only links change
  EXPECT_EQ(s.response.body.find(h.internal() + "/bookings"), std::string::npos) << s.response.body;
  // The key order is the upstream's.
  EXPECT_LT(s.response.body.find("\"_links\""), s.response.body.find("\"id\""));
  EXPECT_EQ(s.response.header("Location"), pub + "/bookings/1");
  EXPECT_EQ(s.response.header("Link"), "<" + pub + "/bookings/2>; rel=\"next\", <https://example.org/terms>; rel=\"terms\"");
  EXPECT_EQ(s.response.header("Content-Length"), std::to_string(s.response.body.size()));  // corrected
  EXPECT_EQ(s.response.header("ETag"), "W/\"hal-1\"");  // another body: a weak validator
  EXPECT_EQ(s.rest, "-");  // it has its self link
  EXPECT_EQ(metric_line(h.gw, "missing-self-link"), "");
  std::string text = http_request(h.gw.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(text.find("gatehouse_rest_link_bodies_total{route=\"api\",outcome=\"rewritten\"} 1"), std::string::npos) << text;
}

TEST(RestLinks, MalformedJsonAndEncodedBodiesPassUnchangedAndAreCounted) {
  Hal h;
  Seen bad = send(h.gw, "GET", "/api/hal?malformed=1");
  EXPECT_EQ(bad.response.status, 200);
  EXPECT_EQ(bad.response.body, R"({"_links": {"self": {"href": ")" + h.internal() + "/bookings/1\"}");
  EXPECT_EQ(bad.response.header("ETag"), "\"hal-1\"");
  EXPECT_EQ(bad.rest, "malformed-json");
  EXPECT_EQ(bad.response.header("Location"), h.public_base() + "/bookings/1");  // the fields are not the body
  Seen encoded = send(h.gw, "GET", "/api/hal?gzip=1");
  EXPECT_NE(encoded.response.body.find(h.internal() + "/bookings/1"), std::string::npos);  // passed as it came
  EXPECT_EQ(encoded.response.header("ETag"), "\"hal-1\"");
  std::string text = http_request(h.gw.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(text.find("gatehouse_rest_link_bodies_total{route=\"api\",outcome=\"malformed\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("gatehouse_rest_link_bodies_total{route=\"api\",outcome=\"encoded\"} 1"), std::string::npos) << text;
}

TEST(RestLinks, ABodyOverTheLimitPassesUnchanged) {
  Hal h(Env{{"GATEHOUSE_REST_LINKS_MAX_BYTES", "1k"}});
  Seen s = send(h.gw, "GET", "/api/exec/big?size=4000");  // JSON, past the limit, its length said
  EXPECT_EQ(s.response.status, 200);
  EXPECT_EQ(s.response.body.size(), 4000u);
  // Chunked: read up to the limit, then passed on as it came, every byte.
  Seen chunked = send(h.gw, "GET", "/api/hal?chunked=1&pad=3000");
  json doc = json::parse(chunked.response.body);
  EXPECT_EQ(doc["_links"]["self"]["href"], h.internal() + "/bookings/1");
  EXPECT_EQ(doc["padding"].get<std::string>().size(), 3000u);
  std::string text = http_request(h.gw.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(text.find("gatehouse_rest_link_bodies_total{route=\"api\",outcome=\"too_large\"} 2"), std::string::npos) << text;
  // Under the limit, a chunked body is rewritten and sent with its length.
  Seen small = send(h.gw, "GET", "/api/hal?chunked=1");
  EXPECT_EQ(json::parse(small.response.body)["_links"]["self"]["href"], h.public_base() + "/bookings/1");
  EXPECT_EQ(small.response.header("Content-Length"), std::to_string(small.response.body.size()));
}

TEST(RestLinks, ARouteWithoutRewritingPassesLinksAsTheyAre) {
  Hal h(Env{{"GATEHOUSE_ROUTE_API_REST_LINKS", "false"}});
  Seen s = send(h.gw, "GET", "/api/hal");
  EXPECT_EQ(json::parse(s.response.body)["_links"]["self"]["href"], h.internal() + "/bookings/1");
  EXPECT_EQ(s.response.header("Location"), h.internal() + "/bookings/1");
  EXPECT_EQ(s.response.header("ETag"), "\"hal-1\"");
}

TEST(RestLinks, AJsonAnswerToGetWithoutASelfLinkIsReported) {
  Hal h;
  Seen s = send(h.gw, "GET", "/api/exec/plain");  // JSON without _links
  EXPECT_EQ(s.response.status, 200);
  EXPECT_EQ(s.rest, "not-cacheable");  // named first; both counted
  EXPECT_EQ(metric_line(h.gw, "missing-self-link"), "1");
  EXPECT_EQ(send(h.gw, "GET", "/api/hal").rest, "-");
  // Links, but none to itself: read to know.
  Seen noself = send(h.gw, "GET", "/api/hal?noself=1");
  EXPECT_EQ(noself.rest, "missing-self-link");
  EXPECT_EQ(metric_line(h.gw, "missing-self-link"), "2");
}

}  // namespace
