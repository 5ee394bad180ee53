// The gateway reads upstream response heads itself: how each is delimited
// (RFC 9112 §6.3), what is refused as malformed (answered 502 upstream_protocol),
// and when the connection may go back to the pool.
#include "gatehouse/response_scan.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using Body = ResponseScan::Body;
using State = ResponseScan::State;
using namespace std::literals;

struct Scanned {
  ResponseScan scan;
  ResponseHead head;
};

Scanned scan(std::string_view bytes, bool head_request = false) {
  Scanned s;
  s.scan = scan_response_head(bytes, head_request, s.head);
  return s;
}

TEST(ResponseScan, ALengthDelimitedResponse) {
  auto s = scan("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n{\"id\"");
  ASSERT_EQ(s.scan.state, State::complete);
  EXPECT_EQ(s.scan.head_size, 71u);
  EXPECT_EQ(s.scan.body, Body::length);
  EXPECT_EQ(s.scan.length, 42u);
  EXPECT_TRUE(s.scan.connection_reusable);
  EXPECT_EQ(s.head.result_int(), 200u);
  EXPECT_EQ(s.head.reason(), "OK");
  EXPECT_EQ(s.head["content-type"], "application/json");
}

TEST(ResponseScan, AnIncompleteHeadAsksForMore) {
  EXPECT_EQ(scan("HTTP/1.1 200 OK\r\nContent-Len").scan.state, State::incomplete);
  EXPECT_EQ(scan("HTTP/1.1 200 OK\r\n\r").scan.state, State::incomplete);
}

TEST(ResponseScan, ChunkedCloseDelimitedAndBodiless) {
  EXPECT_EQ(scan("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").scan.body, Body::chunked);
  EXPECT_EQ(scan("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked \r\n\r\n").scan.body, Body::chunked);
  auto none = scan("HTTP/1.1 200 OK\r\n\r\n").scan;
  EXPECT_EQ(none.body, Body::until_close);
  EXPECT_FALSE(none.connection_reusable);
  EXPECT_EQ(scan("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n").scan.body, Body::none);
  EXPECT_EQ(scan("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").scan.body, Body::none);
  EXPECT_EQ(scan("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true).scan.body, Body::none);
  EXPECT_EQ(scan("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n").scan.body, Body::none);
}

TEST(ResponseScan, KeepAliveFollowsVersionAndConnection) {
  EXPECT_FALSE(scan("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").scan.connection_reusable);
  EXPECT_FALSE(scan("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").scan.connection_reusable);
  EXPECT_TRUE(scan("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").scan.connection_reusable);
  EXPECT_FALSE(scan("HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n").scan.connection_reusable);
}

TEST(ResponseScan, AStatusLineWithoutAReasonAndAnUnusualOne) {
  auto bare = scan("HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(bare.scan.state, State::complete);
  EXPECT_EQ(bare.head.result_int(), 201u);
  EXPECT_EQ(bare.head.reason(), "Created");  // the usual phrase stands in
  auto own = scan("HTTP/1.1 299 Fine Enough\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(own.head.reason(), "Fine Enough");
}

TEST(ResponseScan, RepeatedEqualLengthsAreOneLength) {
  auto s = scan("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n").scan;
  ASSERT_EQ(s.state, State::complete);
  EXPECT_EQ(s.length, 5u);
}

TEST(ResponseScan, MalformedHeadsAreRefused) {
  for (std::string_view bad : {
           "HTTP/2.0 200 OK\r\n\r\n"sv,
           "HTTP/1.1 2000 OK\r\n\r\n"sv,
           "HTTP/1.1 099 Low\r\n\r\n"sv,
           "HTTP/1.1 600 High\r\n\r\n"sv,
           "HTTP/1.1 20x OK\r\n\r\n"sv,
           "ICY 200 OK\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\n\r\n"sv,
           "HTTP/1.1 200 OK\nContent-Length: 0\n\n"sv,
           "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"sv,
           // Codings the gateway cannot undo, or chunked where it cannot be.
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
           "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
       }) {
    auto s = scan(bad).scan;
    EXPECT_EQ(s.state, State::rejected) << bad;
    EXPECT_FALSE(s.reason.empty()) << bad;
  }
}

TEST(ResponseScan, ABareLineFeedIsRefusedBeforeTheHeadEnds) {
  // Not left waiting for a CRLF CRLF that will never come.
  EXPECT_EQ(scan("HTTP/1.1 200 OK\nContent-Length: 0").scan.state, State::rejected);
}

}  // namespace
}  // namespace gatehouse
