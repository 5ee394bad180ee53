// Request smuggling shapes, byte by byte on a raw socket: each gets 400 (or
// 501/505), the connection is closed, and nothing reaches the upstream.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

using namespace gatehouse::testing;

struct Case {
  const char* name;
  const char* bytes;
  int status;
};

class FramingSafety : public GatewaySuite<Case> {};

TEST_P(FramingSafety, RejectedClosedAndNeverForwarded) {
  const Case& c = GetParam();
  int before = up->requests();
  Client client(gw->port());
  client.send(c.bytes);
  auto r = client.read_response();
  ASSERT_TRUE(r) << c.name;
  EXPECT_EQ(r->status, c.status) << c.name;
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(r->body)["status"], c.status);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(client.closed_by_peer()) << c.name;
  EXPECT_EQ(up->requests(), before) << c.name << " reached the upstream";
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9112, FramingSafety,
    ::testing::Values(
        Case{"ContentLengthAndChunked",
             "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        Case{"TransferEncodingGzipOnly", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", 400},
        Case{"ChunkedThenGzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400},
        Case{"GzipThenChunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
        Case{"ChunkedOnHttp10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        Case{"DuplicateContentLength", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
        Case{"ContentLengthList", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
        Case{"ContentLengthSign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400},
        Case{"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400},
        Case{"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        Case{"SpaceBeforeColon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
        Case{"BareCR", "GET / HTTP/1.1\r\nHost: a\rX-Y: z\r\n\r\n", 400},
        Case{"BareLF", "GET / HTTP/1.1\nHost: a\n\n", 400},
        Case{"ObsFold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
        Case{"ControlByteInValue", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\n\r\n", 400},
        Case{"Http2Preface", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        Case{"PathAboveRoot", "GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(FramingSafetyChunked, BadChunkSizeMidBodyIsCaught) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_ALL_PATH", "/"}, {"GATEHOUSE_ROUTE_ALL_UPSTREAM", up.url()}}};
  Client c(gw.port());
  c.send("POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
  auto lines = gw.wait_for_lines(1);
  EXPECT_EQ(logfmt_field(lines.at(0), "code"), "BR");
}
