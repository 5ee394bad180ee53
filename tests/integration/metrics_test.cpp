// /metrics on the admin listener, checked by the real promtool and scraped by
// a real Prometheus server.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;

namespace {
double sample(const std::string& text, const std::string& series) { return metric_sample(text, series); }
}  // namespace

class Metrics : public ::testing::Test {
 protected:
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_SHOP_PATH", "/shop"}, {"GATEHOUSE_ROUTE_SHOP_UPSTREAM", up.url()}}};
};

TEST_F(Metrics, CountsWhatItServedAndPassesPromtool) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(http_request(gw.port(), "GET", "/shop/item").status, 200);
  ASSERT_EQ(http_request(gw.port(), "POST", "/shop/cart", {}, "abc").status, 200);
  ASSERT_EQ(http_request(gw.port(), "GET", "/nowhere").status, 404);
  gw.wait_for_lines(7);

  Response r = http_request(gw.admin_port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = r.body;
  EXPECT_EQ(sample(text, R"(gatehouse_http_requests_total{route="shop",method="GET",code="200"})"), 5);
  EXPECT_EQ(sample(text, R"(gatehouse_http_requests_total{route="shop",method="POST",code="200"})"), 1);
  EXPECT_EQ(sample(text, R"(gatehouse_http_requests_total{route="-",method="GET",code="404"})"), 1);
  EXPECT_EQ(sample(text, R"(gatehouse_http_request_duration_seconds_count{route="shop",method="GET"})"), 5);
  EXPECT_EQ(sample(text, R"(gatehouse_upstream_request_duration_seconds_count{route="shop"})"), 6);
  EXPECT_EQ(sample(text, R"(gatehouse_http_request_body_bytes_total{route="shop"})"), 3);
  EXPECT_EQ(sample(text, "gatehouse_http_requests_in_flight"), 0);
  EXPECT_GE(sample(text, "gatehouse_upstream_connections"), 1);  // pooled
  EXPECT_EQ(sample(text, R"(gatehouse_build_info{version=")" GATEHOUSE_VERSION R"("})"), 1);
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(sample(text, "process_open_fds"), 3);

  TempDir dir;
  std::string file = dir.write("metrics.txt", text);
  std::string cmd = "promtool check metrics < " + file + " > " + dir.path() + "/out.txt 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream out(dir.path() + "/out.txt");
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << report;
  EXPECT_EQ(report, "") << report;
}

TEST_F(Metrics, OpenMetricsWhenAskedFor) {
  http_request(gw.port(), "GET", "/shop/x");
  gw.wait_for_lines(1);
  Response r = http_request(gw.admin_port(), "GET", "/metrics", {"Accept: application/openmetrics-text;version=1.0.0"});
  EXPECT_EQ(r.header("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE gatehouse_http_requests counter"), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("# EOF\n"));
}

TEST_F(Metrics, AdminListenerIsSeparateFromThePublicPort) {
  EXPECT_EQ(http_request(gw.admin_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(gw.admin_port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(http_request(gw.admin_port(), "GET", "/other").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/metrics").status, 404);  // not served publicly
  EXPECT_NE(gw.process().stderr_text().find("admin listener on 127.0.0.1:"), std::string::npos);
  // Admin requests are not client traffic: no access lines for them.
  EXPECT_EQ(gw.wait_for_lines(1).size(), 1u);
}

TEST(MetricsScrape, RealPrometheusScrapesTheRequestCount) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_SHOP_PATH", "/"}, {"GATEHOUSE_ROUTE_SHOP_UPSTREAM", up.url()}}};
  constexpr int kRequests = 7;
  for (int i = 0; i < kRequests; ++i) ASSERT_EQ(http_request(gw.port(), "GET", "/p").status, 200);

  TempDir dir;
  std::uint16_t prom_port = unused_port();
  std::string config = dir.write("prometheus.yml",
                                 "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                 "scrape_configs:\n  - job_name: gatehouse\n    static_configs:\n      - targets: ['127.0.0.1:" +
                                     std::to_string(gw.admin_port()) + "']\n");
  Process prometheus("/usr/bin/prometheus",
                     {"--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/data",
                      "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                     {}, dir.path());
  std::string query = "/api/v1/query?query=sum(gatehouse_http_requests_total%7Broute%3D%22shop%22%7D)";
  double seen = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && seen != kRequests) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    try {
      Response r = http_request(prom_port, "GET", query);
      auto result = nlohmann::json::parse(r.body)["data"]["result"];
      if (!result.empty()) seen = std::stod(result[0]["value"][1].get<std::string>());
    } catch (const std::exception&) {
      // not listening yet
    }
  }
  EXPECT_EQ(seen, kRequests) << prometheus.stderr_text().substr(0, 2000);
}
