#include <gtest/gtest.h>

#include "gatehouse/metrics.hpp"

using namespace gatehouse;

namespace {
RequestInfo request(std::int16_t route, const char* method, int status, std::int64_t duration_us) {
  RequestInfo i;
  i.route_id = route;
  i.method = method;
  i.status = status;
  i.duration_us = duration_us;
  return i;
}
}  // namespace

TEST(Metrics, MethodLabelIsBounded) {
  EXPECT_EQ(kMethodLabels[method_label("GET")], "GET");
  EXPECT_EQ(kMethodLabels[method_label("PATCH")], "PATCH");
  EXPECT_EQ(kMethodLabels[method_label("BREW")], "OTHER");
  EXPECT_EQ(kMethodLabels[method_label("get")], "OTHER");  // methods are case-sensitive
}

TEST(Metrics, HistogramBucketsAreCumulativeWhenRendered) {
  MetricsShard a, b;
  a.record(request(0, "GET", 200, 300));      // 0.0003 s
  a.record(request(0, "GET", 200, 20'000));   // 0.02 s
  b.record(request(0, "GET", 502, 3'000'000));  // 3 s
  RequestInfo up = request(0, "GET", 502, 10);
  up.code = ErrorCode::upstream_connect;
  b.record(up);
  a.merge(b);
  std::vector<std::string> routes{"bookings"};
  std::string text = render_metrics({a, routes, {}}, ExpositionFormat::prometheus_0_0_4);
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"bookings\",method=\"GET\",code=\"200\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"bookings\",method=\"GET\",code=\"502\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_bucket{route=\"bookings\",method=\"GET\",le=\"0.0005\"} 2\n"),
            std::string::npos);  // 300us and 10us
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_bucket{route=\"bookings\",method=\"GET\",le=\"0.025\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_bucket{route=\"bookings\",method=\"GET\",le=\"+Inf\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_count{route=\"bookings\",method=\"GET\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_upstream_errors_total{route=\"bookings\",reason=\"connect_failure\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE gatehouse_http_requests_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

TEST(Metrics, OpenMetricsNamesCounterFamiliesWithoutTotalAndEnds) {
  MetricsShard m;
  m.record(request(-2, "GET", 200, 100));
  std::vector<std::string> routes;
  std::string text = render_metrics({m, routes, {}}, ExpositionFormat::openmetrics_1_0_0);
  EXPECT_NE(text.find("# TYPE gatehouse_http_requests counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"_healthz\",method=\"GET\",code=\"200\"} 1\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("# EOF\n"));
}

TEST(Metrics, Negotiation) {
  EXPECT_EQ(negotiate_exposition("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            ExpositionFormat::openmetrics_1_0_0);
  EXPECT_EQ(negotiate_exposition("text/plain"), ExpositionFormat::prometheus_0_0_4);
  EXPECT_EQ(negotiate_exposition(""), ExpositionFormat::prometheus_0_0_4);
}

TEST(Metrics, ProcessStatsAreReal) {
  ProcessStats p = ProcessStats::read_self();
  EXPECT_GT(p.resident_bytes, 1024 * 1024);
  EXPECT_GT(p.open_fds, 2);
  EXPECT_GT(p.start_time_seconds, 1.6e9);
}
