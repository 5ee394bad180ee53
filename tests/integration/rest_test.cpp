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
  Gateway gw{api_env(up, {{"GATEHOUSE_ROUTE_API_REST_MODE", "enforce"}})};
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

}  // namespace
