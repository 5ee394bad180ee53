#include <gtest/gtest.h>

#include "gatehouse/framing.hpp"

using namespace gatehouse;
using State = HeadScan::State;

namespace {
HeadScan scan(std::string_view s) { return scan_request_head(s); }

void expect_rejected(std::string_view head, int status, std::string_view reason) {
  HeadScan r = scan(head);
  EXPECT_EQ(r.state, State::rejected) << head;
  EXPECT_EQ(r.status, status) << head;
  EXPECT_EQ(r.reason, reason) << head;
}
}  // namespace

TEST(Framing, CompleteHeadReportsFraming) {
  std::string head = "POST /x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 12\r\n\r\n";
  std::string bytes = head + "body follows";  // the scan's views point into these
  HeadScan r = scan(bytes);
  ASSERT_EQ(r.state, State::complete);
  EXPECT_EQ(r.head_size, head.size());
  EXPECT_EQ(r.content_length, 12u);
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/x");
  EXPECT_EQ(r.host, "a.example");
}

TEST(Framing, IncompleteUntilTheEmptyLine) {
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n").state, State::incomplete);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r").state, State::incomplete);
  EXPECT_EQ(scan("GET / HT").state, State::incomplete);
}

TEST(Framing, LeadingEmptyLinesAreSkipped) {
  HeadScan r = scan("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(r.state, State::complete);
  EXPECT_EQ(r.skip, 4u);
}

TEST(Framing, ChunkedIsAccepted) {
  HeadScan r = scan("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
  ASSERT_EQ(r.state, State::complete);
  EXPECT_TRUE(r.chunked);
}

// RFC 9112 §6 and the smuggling cases Beast 1.81 lets through.
TEST(Framing, SmugglingShapesAreRejected) {
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                  "both Content-Length and Transfer-Encoding");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
                  "Transfer-Encoding whose last coding is not chunked");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
                  "Transfer-Encoding with a coding after chunked");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
                  "Transfer-Encoding with a coding after chunked");
  expect_rejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding in an HTTP/1.0 request");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
                  "transfer codings other than chunked are not supported");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400,
                  "more than one Content-Length header");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400, "invalid Content-Length");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400, "invalid Content-Length");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400, "invalid Content-Length");
  expect_rejected("GET / HTTP/1.1\r\n\r\n", 400, "missing Host header");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host header");
  expect_rejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host header");
  expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", 400, "whitespace before colon in header");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400, "bare CR in request head");
  expect_rejected("GET / HTTP/1.1\nHost: a\n\n", 400, "bare LF line ending");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400, "obsolete line folding");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", 400, "invalid character in header value");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX\x7f: z\r\n\r\n", 400, "invalid character in header name");
}

TEST(Framing, RequestLineErrors) {
  expect_rejected("GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line");
  expect_rejected("GET /\x01 HTTP/1.1\r\n\r\n", 400, "malformed request target");
  expect_rejected("G(T / HTTP/1.1\r\n\r\n", 400, "malformed method");
  expect_rejected("GET / HTTP/2.0\r\n\r\n", 505, "only HTTP/1.0 and HTTP/1.1 are supported");
  expect_rejected("GET / HTTX/1.1\r\n\r\n", 400, "malformed HTTP version");
}

TEST(Framing, Http10WithoutHostIsFine) {
  HeadScan r = scan("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(r.state, State::complete);
  EXPECT_EQ(r.version_minor, 0);
}

TEST(Framing, EmptyHostOnlyWithAnAbsoluteTarget) {
  expect_rejected("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "empty Host header");
  expect_rejected("OPTIONS * HTTP/1.1\r\nHost: \r\n\r\n", 400, "empty Host header");
  EXPECT_EQ(scan("GET http://a.example/x HTTP/1.1\r\nHost:\r\n\r\n").state, State::complete);
}

TEST(Framing, BadOrOverlongMethodIsRefusedBeforeTheLineEnds) {
  expect_rejected(std::string(33, 'A'), 400, "method longer than 32 bytes");
  expect_rejected("GE\x01T", 400, "malformed method");
  expect_rejected(std::string(33, 'A') + " / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "method longer than 32 bytes");
  EXPECT_EQ(scan(std::string(32, 'A')).state, State::incomplete);
  EXPECT_EQ(scan("GET /still-coming").state, State::incomplete);
  EXPECT_FALSE(scan("GET /still-coming").request_line_complete());
  EXPECT_TRUE(scan("GET / HTTP/1.1\r\nHost: a\r\n").request_line_complete());
}

TEST(Framing, UnderscoreInAFieldNameIsNoted) {
  EXPECT_TRUE(scan("GET / HTTP/1.1\r\nHost: a\r\nX_Y: 1\r\n\r\n").underscore_in_names);
  EXPECT_FALSE(scan("GET / HTTP/1.1\r\nHost: a\r\nX-Y: a_b\r\n\r\n").underscore_in_names);
}

TEST(Framing, ConnectionAndExpectAreReadOnTheWay) {
  std::string close = "GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, Close\r\n\r\n";
  EXPECT_FALSE(scan(close).keeps_alive());
  std::string plain = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_TRUE(scan(plain).keeps_alive());
  std::string old = "GET / HTTP/1.0\r\n\r\n";
  EXPECT_FALSE(scan(old).keeps_alive());
  std::string old_kept = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  EXPECT_TRUE(scan(old_kept).keeps_alive());
  std::string expect = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
  HeadScan e = scan(expect);
  EXPECT_TRUE(e.has_expect);
  EXPECT_TRUE(e.expect_continue);
  std::string other = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 3\r\n\r\n";
  EXPECT_FALSE(scan(other).expect_continue);
  EXPECT_TRUE(scan(other).has_expect);
}
