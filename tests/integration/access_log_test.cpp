// Exactly one access line per request, whatever happens to the request.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;

TEST(AccessLog, OneLinePerRequestOfEveryKind) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_API_PATH", "/api"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_API_METHODS", "GET,POST"},
              {"GATEHOUSE_ROUTE_API_STRIP_PREFIX", "true"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM_TIMEOUT", "200ms"},
              {"GATEHOUSE_ROUTE_API_MAX_BODY_SIZE", "1k"},
              {"GATEHOUSE_HEADER_TIMEOUT", "300ms"}}};
  std::size_t requests = 0;
  auto send = [&](const std::string& method, const std::string& target, std::vector<std::string> headers = {},
                  const std::string& body = {}) {
    http_request(gw.port(), method, target, std::move(headers), body);
    ++requests;
  };
  send("GET", "/api/ok");                                     // proxied
  send("GET", "/healthz");                                    // local
  send("GET", "/nowhere");                                    // 404
  send("DELETE", "/api/x");                                   // 405
  send("GET", "/api/delay/2000");                             // 504
  send("POST", "/api/reset", {}, "x");                        // 502
  send("POST", "/api/sink", {}, std::string(5000, 'x'));      // 413
  send("GET", "/api/ok", {"X-Big: " + std::string(40000, 'a')});  // 431
  {
    Client c(gw.port());  // framing rejected
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.read_response();
    ++requests;
  }
  {
    Client c(gw.port());  // client gives up mid-body
    c.send("POST /api/sink HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\nonly-part");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.close();
    ++requests;
  }
  {
    Client c(gw.port());  // client gives up mid-head
    c.send("GET /api/ok HTTP/1.1\r\nHo");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.close();
    ++requests;
  }
  {
    Client c(gw.port());  // slow head: 408
    c.send("GET /api/ok HTTP/1.1\r\n");
    c.read_response();
    ++requests;
  }
  {
    Client c(gw.port());  // keep-alive: three requests, three lines
    for (int i = 0; i < 3; ++i) {
      c.send("GET /api/k HTTP/1.1\r\nHost: a\r\n\r\n");
      c.read_response();
      ++requests;
    }
  }
  {
    Client idle(gw.port());  // a connection that never sends a byte is not a request
  }

  auto lines = gw.wait_for_lines(requests);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // no late extra lines
  lines = gw.access_lines();
  ASSERT_EQ(lines.size(), requests) << gw.process().stdout_text();

  std::multiset<std::string> codes;
  std::set<std::string> ids;
  for (const auto& l : lines) {
    codes.insert(logfmt_field(l, "code"));
    ids.insert(logfmt_field(l, "request_id"));
    EXPECT_FALSE(logfmt_field(l, "status").empty()) << l;
  }
  EXPECT_EQ(ids.size(), requests) << "request ids must be unique";
  for (const char* code : {"NR", "MN", "UT", "UR", "TL", "BR", "CC", "RT"}) EXPECT_GE(codes.count(code), 1u) << code;
  EXPECT_EQ(codes.count("CC"), 2u);
  for (const auto& l : lines) {
    if (logfmt_field(l, "code") == "CC") {
      EXPECT_EQ(logfmt_field(l, "status"), "499") << l;
    }
    if (logfmt_field(l, "code") == "BR") {
      EXPECT_NE(logfmt_field(l, "bytes"), "0") << l;  // the problem body went out
    }
  }
  if (::testing::Test::HasFailure()) std::cerr << gw.process().stdout_text();
}

TEST(AccessLog, SecretsNeverReachTheLog) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}}};
  http_request(gw.port(), "POST", "/login?password=hunter2&user=bob",
               {"Authorization: Bearer sekrit-token", "Cookie: session=abc123", "Proxy-Authorization: Basic c2VjcmV0"},
               "{\"card\":\"4111111111111111\"}");
  auto line = gw.wait_for_lines(1).at(0);
  for (const char* secret : {"hunter2", "sekrit-token", "abc123", "c2VjcmV0", "4111111111111111"})
    EXPECT_EQ(line.find(secret), std::string::npos) << secret << " in " << line;
  EXPECT_EQ(logfmt_field(line, "path"), "/login?password=REDACTED&user=bob");
}

TEST(AccessLog, JsonFormat) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_LOG_FORMAT", "json"}}};
  http_request(gw.port(), "GET", "/j", {"X-Request-Id: json-1"});
  auto j = nlohmann::json::parse(gw.wait_for_lines(1).at(0));
  EXPECT_EQ(j["request_id"], "json-1");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["route"], "a");
  EXPECT_GT(j["duration_ms"].get<double>(), 0.0);
}

TEST(AccessLog, LevelWarnKeepsOnlyFailures) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/a"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_LOG_LEVEL", "warn"}}};
  http_request(gw.port(), "GET", "/a");
  http_request(gw.port(), "GET", "/b");
  auto lines = gw.wait_for_lines(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  lines = gw.access_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(logfmt_field(lines[0], "code"), "NR");
}
