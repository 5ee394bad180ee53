// Proxying as a client sees it: routing, headers, keep-alive, local answers.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;

class Proxy : public ::testing::Test {
 protected:
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_ALL_PATH", "/"},
              {"GATEHOUSE_ROUTE_ALL_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_API_PATH", "/api"},
              {"GATEHOUSE_ROUTE_API_STRIP_PREFIX", "true"},
              {"GATEHOUSE_ROUTE_API_METHODS", "GET,POST"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url() + "/v1"}}};
};

TEST_F(Proxy, ForwardsWithForwardedHeadersAndRequestId) {
  Response r = http_request(gw.port(), "GET", "/things?page=2", {"X-Forwarded-For: 6.6.6.6", "X-Request-Id: req-42"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Request-Id"), "req-42");
  json seen = json::parse(r.body);
  EXPECT_EQ(seen["path"], "/things?page=2");
  EXPECT_EQ(seen["headers"]["x-forwarded-for"], "127.0.0.1");  // the client is not a trusted proxy
  EXPECT_EQ(seen["headers"]["x-forwarded-proto"], "http");
  EXPECT_EQ(seen["headers"]["x-forwarded-host"], "test.local");
  EXPECT_EQ(seen["headers"]["x-request-id"], "req-42");
  EXPECT_EQ(seen["headers"]["host"], "test.local");
}

TEST_F(Proxy, MalformedRequestIdIsReplaced) {
  Response r = http_request(gw.port(), "GET", "/", {"X-Request-Id: bad id with spaces"});
  std::string id = r.header("X-Request-Id");
  EXPECT_EQ(id.size(), 36u) << id;
  EXPECT_EQ(json::parse(r.body)["headers"]["x-request-id"], id);
}

TEST_F(Proxy, HopByHopHeadersDoNotCrossTheGateway) {
  Response r = http_request(gw.port(), "GET", "/",
                            {"Connection: close, X-Hop", "X-Hop: secret", "Keep-Alive: timeout=5", "TE: trailers",
                             "Upgrade: websocket", "Proxy-Authorization: Basic eA==", "X-End-To-End: yes"});
  json h = json::parse(r.body)["headers"];
  for (auto name : {"x-hop", "keep-alive", "te", "upgrade", "proxy-authorization"}) EXPECT_FALSE(h.contains(name)) << name;
  EXPECT_EQ(h["x-end-to-end"], "yes");
}

TEST_F(Proxy, StripPrefixAndUpstreamPathPrefix) {
  Response r = http_request(gw.port(), "GET", "/api/bookings/7?x=1");
  EXPECT_EQ(json::parse(r.body)["path"], "/v1/bookings/7?x=1");
  r = http_request(gw.port(), "GET", "/api/a/../b");
  EXPECT_EQ(json::parse(r.body)["path"], "/v1/b");
}

TEST_F(Proxy, MethodNotAllowedIsAProblemWithAllow) {
  Response r = http_request(gw.port(), "DELETE", "/api/x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.header("Allow"), "GET, POST");
  json p = json::parse(r.body);
  EXPECT_EQ(p["type"], "/problems/method-not-allowed");
  EXPECT_EQ(p["request_id"], r.header("X-Request-Id"));
}

TEST_F(Proxy, KeepAliveCarriesSeveralRequestsOnOneConnection) {
  Client c(gw.port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["path"], "/n" + std::to_string(i));
  }
  // Pipelined: two requests in one write, two answers in order.
  c.send("GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(json::parse(c.read_response()->body)["path"], "/p1");
  EXPECT_EQ(json::parse(c.read_response()->body)["path"], "/p2");
}

TEST_F(Proxy, Http10ClientGetsAnHttp10Answer) {
  Client c(gw.port());
  c.send("GET /bytes/1000?chunked HTTP/1.0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1000u);  // close-delimited: 1.0 cannot read chunked
  EXPECT_EQ(r->header("transfer-encoding"), "");
  EXPECT_TRUE(r->closed);
}

TEST_F(Proxy, Http10KeepAliveClientGetsNoChunkedBody) {
  // The upstream is asked in HTTP/1.1; the answer goes out for the client's 1.0.
  Client c(gw.port());
  c.send("GET /bytes/1000?chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("transfer-encoding"), "");
  EXPECT_EQ(r->body.size(), 1000u);
  EXPECT_TRUE(r->closed);  // no length to delimit it: the close does
}

TEST_F(Proxy, HeadAndNoContentHaveNoBody) {
  Client c(gw.port());
  c.send("HEAD /bytes/5000 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read_response(true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Content-Length"), "5000");
  c.send("GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n");
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  c.send("GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n");  // the connection is still in step
  EXPECT_EQ(c.read_response()->status, 201);
}

TEST_F(Proxy, ExpectContinueIsAnsweredByTheGateway) {
  Client c(gw.port());
  c.send("POST /sink HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  char buf[64] = {};
  ASSERT_GT(recv(c.fd(), buf, sizeof buf - 1, 0), 0);
  EXPECT_EQ(std::string(buf), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["body_bytes"], 5);
  EXPECT_FALSE(json::parse(r->body)["headers"].contains("expect"));
}

TEST_F(Proxy, HealthEndpointsAnswerLocally) {
  int before = up.requests();
  Response h = http_request(gw.port(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "{\"status\":\"ok\"}\n");
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(up.requests(), before);
}

TEST(ProxyRouting, NoRouteIs404Problem) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_API_PATH", "/api"}, {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()}}};
  Response r = http_request(gw.port(), "GET", "/elsewhere?token=x");
  EXPECT_EQ(r.status, 404);
  json p = json::parse(r.body);
  EXPECT_EQ(p["type"], "/problems/no-route");
  EXPECT_EQ(p["instance"], "/elsewhere");
  EXPECT_EQ(p["status"], 404);
}

TEST(ProxyRouting, HostRoutesAndCatchAllMonolith) {
  DemoUpstream monolith, bookings;
  Gateway gw{{{"GATEHOUSE_ROUTE_MONOLITH_PATH", "/"},
              {"GATEHOUSE_ROUTE_MONOLITH_UPSTREAM", monolith.url()},
              {"GATEHOUSE_ROUTE_BOOKINGS_PATH", "/bookings"},
              {"GATEHOUSE_ROUTE_BOOKINGS_HOST", "api.example.com"},
              {"GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM", bookings.url()}}};
  Client c(gw.port());
  c.send("GET /bookings/1 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  c.send("GET /bookings/1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  c.send("GET /other HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  EXPECT_EQ(bookings.requests(), 1);
  EXPECT_EQ(monolith.requests(), 2);
  auto lines = gw.wait_for_lines(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(logfmt_field(lines[0], "route"), "bookings");
  EXPECT_EQ(logfmt_field(lines[1], "route"), "monolith");
}
