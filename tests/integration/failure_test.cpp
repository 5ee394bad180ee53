// Upstream and client failures: the status, the problem type, the log code.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;

namespace {
std::uint16_t dead_port() { return unused_port(); }

std::string last_line(Gateway& gw, std::size_t n) { return gw.wait_for_lines(n).at(n - 1); }
}  // namespace

TEST(Failures, RefusedUpstreamIs502UF) {
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "http://127.0.0.1:" + std::to_string(dead_port())}}};
  Response r = http_request(gw.port(), "GET", "/x");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(json::parse(r.body)["type"], "/problems/upstream-unavailable");
  std::string line = last_line(gw, 1);
  EXPECT_EQ(logfmt_field(line, "at"), "error");
  EXPECT_EQ(logfmt_field(line, "code"), "UF");
  EXPECT_EQ(logfmt_field(line, "status"), "502");
}

TEST(Failures, SlowUpstreamIs504UT) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_ROUTE_A_UPSTREAM_TIMEOUT", "200ms"}}};
  Response r = http_request(gw.port(), "GET", "/delay/3000");
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(json::parse(r.body)["type"], "/problems/upstream-timeout");
  EXPECT_EQ(logfmt_field(last_line(gw, 1), "code"), "UT");
  // The route's own timeout does not affect a quick request.
  EXPECT_EQ(http_request(gw.port(), "GET", "/delay/10").status, 200);
}

TEST(Failures, ResetAndGarbageAre502) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}}};
  Response reset = http_request(gw.port(), "POST", "/reset", {}, "x");
  EXPECT_EQ(reset.status, 502);
  EXPECT_EQ(logfmt_field(last_line(gw, 1), "code"), "UR");
  Response garbage = http_request(gw.port(), "POST", "/garbage", {}, "x");
  EXPECT_EQ(garbage.status, 502);
  EXPECT_EQ(json::parse(garbage.body)["type"], "/problems/bad-upstream-response");
  EXPECT_EQ(logfmt_field(last_line(gw, 2), "code"), "UP");
}

TEST(Failures, UpstreamDyingMidBodyCutsTheClientOff) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_UPSTREAM_TIMEOUT", "300ms"}}};
  Client c(gw.port());
  c.send("GET /stall-body HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read_response();
  EXPECT_FALSE(r);  // head promised 1000 bytes; the connection ends after 10
  std::string line = last_line(gw, 1);
  EXPECT_EQ(logfmt_field(line, "status"), "200");
  EXPECT_EQ(logfmt_field(line, "code"), "UT");
  EXPECT_EQ(logfmt_field(line, "bytes"), "10");
}

TEST(Failures, BodyLimits) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_ROUTE_A_MAX_BODY_SIZE", "1k"}}};
  Response big = http_request(gw.port(), "POST", "/sink", {}, std::string(2000, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body)["type"], "/problems/body-too-large");
  EXPECT_EQ(up.requests(), 0);
  // Chunked: the limit is found while streaming.
  Client c(gw.port());
  c.send("POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 3; ++i) c.send("200\r\n" + std::string(512, 'y') + "\r\n");
  c.send("0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(http_request(gw.port(), "POST", "/sink", {}, std::string(1000, 'x')).status, 200);
}

TEST(Failures, HeadTooLargeIs431) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_MAX_HEADER_SIZE", "4k"}}};
  Response r = http_request(gw.port(), "GET", "/", {"X-Big: " + std::string(8000, 'a')});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(json::parse(r.body)["type"], "/problems/headers-too-large");
  EXPECT_EQ(logfmt_field(last_line(gw, 1), "code"), "TL");
}

TEST(Failures, SlowlorisIsCutOffAndLoggedAs408) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_HEADER_TIMEOUT", "300ms"}}};
  Client c(gw.port());
  c.send("GET / HTTP/1.1\r\nHost: a\r\n");
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // trickling bytes do not extend the deadline
    c.try_send("X-Drip: 1\r\n");  // the gateway may already have cut it off
  }
  EXPECT_FALSE(c.read_response());  // closed, as nginx does on client_header_timeout
  std::string line = last_line(gw, 1);
  EXPECT_EQ(logfmt_field(line, "code"), "RT");
  EXPECT_EQ(logfmt_field(line, "status"), "408");
  EXPECT_EQ(up.requests(), 0);
}

TEST(Failures, RoundRobinSkipsARefusingEndpointDuringItsCooldown) {
  DemoUpstream a, b;
  std::string dead = "http://127.0.0.1:" + std::to_string(dead_port());
  Gateway gw{{{"GATEHOUSE_WORKERS", "1"},
              {"GATEHOUSE_ENDPOINT_COOLDOWN", "60s"},
              {"GATEHOUSE_ROUTE_A_PATH", "/"},
              {"GATEHOUSE_ROUTE_A_UPSTREAM", a.url() + "," + dead + "," + b.url()}}};
  for (int i = 0; i < 10; ++i) {
    Response r = http_request(gw.port(), "POST", "/echo", {}, "body");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(nlohmann::json::parse(r.body)["body_bytes"], 4);  // also after a retry: the body start is sent again
  }
  EXPECT_EQ(a.requests(), 5);
  EXPECT_EQ(b.requests(), 5);
  for (const auto& l : gw.wait_for_lines(10)) {
    EXPECT_EQ(logfmt_field(l, "status"), "200");
    EXPECT_NE(logfmt_field(l, "upstream"), dead.substr(7));
  }
  // The dead endpoint was tried once: one retry, then skipped for its cooldown
  // (without it, every third request would try it again).
  std::string metrics = http_request(gw.admin_port(), "GET", "/metrics").body;
  EXPECT_EQ(metric_sample(metrics, "gatehouse_upstream_retries_total{route=\"a\",reason=\"connect_failure\"}"), 1);
}

TEST(Failures, AfterItsCooldownARefusingEndpointIsTriedAgain) {
  DemoUpstream a;
  std::string dead = "http://127.0.0.1:" + std::to_string(dead_port());
  Gateway gw{{{"GATEHOUSE_WORKERS", "1"},
              {"GATEHOUSE_ENDPOINT_COOLDOWN", "1s"},
              {"GATEHOUSE_ROUTE_A_PATH", "/"},
              {"GATEHOUSE_ROUTE_A_UPSTREAM", dead + "," + a.url()}}};
  auto retries = [&] {
    return metric_sample(http_request(gw.admin_port(), "GET", "/metrics").body,
                         "gatehouse_upstream_retries_total{route=\"a\",reason=\"connect_failure\"}");
  };
  EXPECT_EQ(http_request(gw.port(), "GET", "/").status, 200);  // dead tried, refused, then a
  EXPECT_EQ(http_request(gw.port(), "GET", "/").status, 200);  // dead skipped
  EXPECT_EQ(http_request(gw.port(), "GET", "/").status, 200);
  EXPECT_EQ(retries(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the cooldown itself is what is tested
  for (int i = 0; i < 2; ++i) EXPECT_EQ(http_request(gw.port(), "GET", "/").status, 200);
  EXPECT_EQ(retries(), 2);
}

// An upstream closes keep-alive connections that sit idle (as nginx's
// keepalive_timeout does). The pool notices, so the next request, even a POST
// that may not be retried, gets a fresh connection instead of a 502.
TEST(Failures, AConnectionTheUpstreamClosedWhileIdleIsNotReused) {
  DemoUpstream up({"--idle-timeout", "100"});
  Gateway gw{{{"GATEHOUSE_WORKERS", "1"}, {"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}}};
  EXPECT_EQ(http_request(gw.port(), "POST", "/echo", {}, "one").status, 200);
  // Wait until the upstream has closed the pooled connection.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (up.connections() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(up.connections(), 0);
  Response second = http_request(gw.port(), "POST", "/echo", {}, "two");
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(up.requests(), 2);
}
