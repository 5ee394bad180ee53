// Error reports reach a real Sentry-protocol receiver (sentry-testkit) and a
// Honeybadger-compatible one; a tracker that is down, slow, rate-limiting or
// overwhelmed never costs a request its latency.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
std::uint16_t dead_port() { return unused_port(); }
std::string dead_url() { return "http://127.0.0.1:" + std::to_string(dead_port()); }

// Waits until the receiver holds at least `n` reports of `kind` ("sentry" / "honeybadger").
json wait_for_reports(const TrackerReceiver& t, const char* kind, std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(15)) {
  auto deadline = Clock::now() + timeout;
  json all;
  do {
    all = json::parse(t.reports_json());
    if (all[kind].size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (Clock::now() < deadline);
  return all[kind];
}

double metric(const Gateway& gw, const std::string& series) {
  return metric_sample(http_request(gw.admin_port(), "GET", "/metrics").body, series);
}
}  // namespace

TEST(ErrorReporting, SentryGetsAScrubbedReportOfAnUpstreamFailure) {
  TrackerReceiver tracker;
  Gateway gw{{{"GATEHOUSE_ROUTE_PAY_PATH", "/pay"}, {"GATEHOUSE_ROUTE_PAY_UPSTREAM", dead_url()},
              {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}, {"GATEHOUSE_ENVIRONMENT", "staging"}, {"GATEHOUSE_RELEASE", "r42"}}};
  Response r = http_request(gw.port(), "POST", "/pay/charge?card_token=tok_123&amount=5",
                            {"Authorization: Bearer sekrit", "Cookie: session=abc", "X-Trace: t1"}, "{}");
  ASSERT_EQ(r.status, 502);
  json events = wait_for_reports(tracker, "sentry", 1);
  ASSERT_EQ(events.size(), 1u);
  json e = events[0];
  EXPECT_EQ(e["exception"]["values"][0]["type"], "UpstreamConnectFailure");
  EXPECT_EQ(e["environment"], "staging");
  EXPECT_EQ(e["release"], "r42");
  EXPECT_EQ(e["tags"]["route"], "pay");
  EXPECT_EQ(e["tags"]["request_id"], r.header("X-Request-Id"));
  EXPECT_EQ(e["tags"]["code"], "UF");
  EXPECT_EQ(e["request"]["method"], "POST");
  EXPECT_EQ(e["request"]["url"], "http://test.local/pay/charge?card_token=REDACTED&amount=5");
  EXPECT_EQ(e["request"]["headers"]["X-Trace"], "t1");
  std::string dump = e.dump();
  for (const char* secret : {"sekrit", "session=abc", "tok_123"}) EXPECT_EQ(dump.find(secret), std::string::npos) << secret;
  EXPECT_FALSE(e["server_name"].get<std::string>().empty());
  // Logged once, at error, with its code.
  auto line = gw.wait_for_lines(1).at(0);
  EXPECT_EQ(logfmt_field(line, "at"), "error");
  EXPECT_EQ(logfmt_field(line, "code"), "UF");
  EXPECT_EQ(metric(gw, R"(gatehouse_error_reports_total{outcome="sent"})"), 1);
}

TEST(ErrorReporting, HoneybadgerGetsANotice) {
  TrackerReceiver tracker;
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_A_UPSTREAM_TIMEOUT", "100ms"},
              {"GATEHOUSE_HONEYBADGER_API_KEY", "hb-key-1"}, {"GATEHOUSE_HONEYBADGER_ENDPOINT", tracker.endpoint()}}};
  Response r = http_request(gw.port(), "GET", "/delay/1000");
  ASSERT_EQ(r.status, 504);
  json notices = wait_for_reports(tracker, "honeybadger", 1);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0]["headers"]["x-api-key"], "hb-key-1");
  json n = notices[0]["body"];
  EXPECT_EQ(n["notifier"]["name"], "gatehouse");
  EXPECT_EQ(n["error"]["class"], "UpstreamTimeout");
  EXPECT_EQ(n["request"]["component"], "a");
  EXPECT_EQ(n["request"]["action"], "GET");
  EXPECT_EQ(n["request"]["context"]["request_id"], r.header("X-Request-Id"));
  EXPECT_EQ(n["server"]["environment_name"], "production");
}

TEST(ErrorReporting, IdenticalFailuresAreGroupedThenSummarised) {
  TrackerReceiver tracker;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", dead_url()},
              {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}, {"GATEHOUSE_REPORT_GROUP_WINDOW", "1s"},
              {"GATEHOUSE_WORKERS", "1"}}};
  for (int i = 0; i < 5; ++i) ASSERT_EQ(http_request(gw.port(), "GET", "/x").status, 502);
  json events = wait_for_reports(tracker, "sentry", 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["extra"]["grouped_repeats"], 0);
  EXPECT_EQ(events[1]["extra"]["grouped_repeats"], 4);
  EXPECT_NE(events[1]["exception"]["values"][0]["value"].get<std::string>().find("(4 more like this were grouped)"), std::string::npos);
  EXPECT_EQ(metric(gw, R"(gatehouse_error_reports_total{outcome="grouped"})"), 4);
}

TEST(ErrorReporting, Upstream5xxIsLoggedAndReportedOnlyWhenAsked) {
  TrackerReceiver tracker;
  DemoUpstream up;
  {
    Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}}};
    EXPECT_EQ(http_request(gw.port(), "GET", "/status/503").status, 503);
    auto line = gw.wait_for_lines(1).at(0);
    EXPECT_EQ(logfmt_field(line, "at"), "warn");
    EXPECT_EQ(logfmt_field(line, "code"), "U5");
    EXPECT_EQ(gw.stop(), 0);  // the flush on shutdown would send anything queued
    EXPECT_EQ(json::parse(tracker.reports_json())["sentry"].size(), 0u);
  }
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()},
              {"GATEHOUSE_REPORT_UPSTREAM_5XX", "true"}}};
  EXPECT_EQ(http_request(gw.port(), "GET", "/status/500").status, 500);
  json events = wait_for_reports(tracker, "sentry", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["exception"]["values"][0]["type"], "Upstream5xx");
}

TEST(ErrorReporting, TrackerDownCostsRequestsNothing) {
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", dead_url()},
              {"GATEHOUSE_SENTRY_DSN", "http://key@127.0.0.1:" + std::to_string(dead_port()) + "/1"},
              {"GATEHOUSE_REPORT_GROUP_WINDOW", "100ms"}}};
  auto start = Clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(http_request(gw.port(), "GET", "/x").status, 502);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));  // generous: without reporting this takes milliseconds
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (metric(gw, R"(gatehouse_error_reports_total{outcome="failed"})") < 1 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(metric(gw, R"(gatehouse_error_reports_total{outcome="failed"})"), 1);
  EXPECT_TRUE(gw.process().running());
}

TEST(ErrorReporting, SlowTrackerAndAFullQueueDropAndCountButNeverDelay) {
  TrackerReceiver tracker("slow", 3000);
  Env env{{"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}, {"GATEHOUSE_REPORT_QUEUE_SIZE", "1"}, {"GATEHOUSE_REPORT_TIMEOUT", "1s"}};
  // Distinct failures (one route each), so that grouping does not absorb them.
  for (int i = 0; i < 6; ++i) {
    env["GATEHOUSE_ROUTE_R" + std::to_string(i) + "_PATH"] = "/r" + std::to_string(i);
    env["GATEHOUSE_ROUTE_R" + std::to_string(i) + "_UPSTREAM"] = dead_url();
  }
  Gateway gw{env};
  for (int i = 0; i < 6; ++i) {
    auto start = Clock::now();
    ASSERT_EQ(http_request(gw.port(), "GET", "/r" + std::to_string(i)).status, 502);
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500)) << "request " << i;
  }
  EXPECT_GE(metric(gw, R"(gatehouse_error_reports_total{outcome="dropped"})"), 1);
}

TEST(ErrorReporting, RateLimitedTrackerIsHonoured) {
  TrackerReceiver tracker("429");
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", dead_url()}, {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}}};
  auto start = Clock::now();
  ASSERT_EQ(http_request(gw.port(), "GET", "/x").status, 502);
  json events = wait_for_reports(tracker, "sentry", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(1900));  // Retry-After: 2
  EXPECT_EQ(json::parse(tracker.reports_json())["hits"], 2);       // the 429, then the retry
}

TEST(ErrorReporting, QueueIsFlushedOnShutdown) {
  TrackerReceiver tracker;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", dead_url()}, {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()},
              {"GATEHOUSE_REPORT_GROUP_WINDOW", "1h"}}};
  for (int i = 0; i < 3; ++i) http_request(gw.port(), "GET", "/x");
  EXPECT_EQ(gw.stop(), 0);
  // The first report, and the summary of the two grouped ones, went out before exit.
  json events = json::parse(tracker.reports_json())["sentry"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["extra"]["grouped_repeats"], 2);
}

TEST(ErrorReporting, ATrackerErrorIsRetriedOnce) {
  TrackerReceiver tracker("500-once");
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", dead_url()}, {"GATEHOUSE_SENTRY_DSN", tracker.sentry_dsn()}}};
  ASSERT_EQ(http_request(gw.port(), "GET", "/x").status, 502);
  json events = wait_for_reports(tracker, "sentry", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(json::parse(tracker.reports_json())["hits"], 2);  // the 503, then the retry
  EXPECT_EQ(metric(gw, R"(gatehouse_error_reports_total{outcome="sent"})"), 1);
  EXPECT_EQ(metric(gw, R"(gatehouse_error_reports_total{outcome="failed"})"), 0);
}
