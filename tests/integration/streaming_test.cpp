// 1 GiB through the gateway each way with bounded memory.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include "harness.hpp"

using namespace gatehouse::testing;

namespace {
constexpr std::uint64_t kGiB = 1ull << 30;
// Generous for sanitizer builds (the asan test preset caps ASan's quarantine
// of freed memory at 32 MB; its default 256 MB alone would fill this); a
// buffering proxy would need over 1 GiB.
constexpr long kMaxPeakRssKiB = 256 * 1024;
}  // namespace

TEST(Streaming, OneGibDownloadAndUploadWithBoundedMemory) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_MAX_BODY_SIZE", "2g"}}};

  Client down(gw.port(), std::chrono::seconds(60));
  down.send("GET /bytes/" + std::to_string(kGiB) + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::uint64_t received = 0;
  char buf[1 << 16];
  while (true) {
    ssize_t n = recv(down.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    received += static_cast<std::uint64_t>(n);
  }
  EXPECT_GT(received, kGiB);  // body plus head
  EXPECT_LT(received, kGiB + 1024);

  Client upload(gw.port(), std::chrono::seconds(60));
  upload.send("POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk = "10000\r\n" + std::string(0x10000, 'u') + "\r\n";
  for (std::uint64_t sent = 0; sent < kGiB; sent += 0x10000) upload.send(chunk);
  upload.send("0\r\n\r\n");
  auto r = upload.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(nlohmann::json::parse(r->body)["body_bytes"], kGiB);

  long peak = gw.process().peak_rss_kib();
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, kMaxPeakRssKiB) << "gateway peak RSS " << peak << " KiB";
  RecordProperty("gateway_peak_rss_kib", static_cast<int>(peak));
}
