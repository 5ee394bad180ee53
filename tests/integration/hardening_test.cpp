// The door, hardened: what a client puts in Connection or in header names
// cannot take the gateway's own headers away or smuggle framing past it;
// chunked bodies follow RFC 9112 §7.1 to the letter; Date and Via are set;
// small conformance points. Real gateway and upstream processes, raw sockets.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;

namespace {

Env route_to(const DemoUpstream& up, Env extra = {}) {
  extra.emplace("GATEHOUSE_ROUTE_ALL_PATH", "/");
  extra.emplace("GATEHOUSE_ROUTE_ALL_UPSTREAM", up.url());
  return extra;
}

// The headers the demo upstream says it received.
json seen_headers(const Response& r) { return json::parse(r.body)["headers"]; }

}  // namespace

// --- 1. Connection cannot remove the gateway's own headers -----------------

TEST(ConnectionListedHeaders, TheGatewaysOwnRequestHeadersAlwaysReachTheUpstream) {
  DemoUpstream up;
  Gateway gw{route_to(up, {{"GATEHOUSE_VIA_NAME", "gw-test"}})};
  // As a new user would try it: curl -H 'Connection: X-Forwarded-For, X-Request-Id'
  Response r = http_request(gw.port(), "GET", "/", {"Connection: X-Forwarded-For, X-Request-Id, Via, X-Forwarded-Proto"});
  ASSERT_EQ(r.status, 200) << r.body;
  json h = seen_headers(r);
  EXPECT_EQ(h.value("x-forwarded-for", ""), "127.0.0.1");
  EXPECT_EQ(h.value("x-forwarded-proto", ""), "http");
  EXPECT_EQ(h.value("via", ""), "1.1 gw-test");
  ASSERT_TRUE(h.contains("x-request-id"));
  EXPECT_EQ(h["x-request-id"], r.header("X-Request-Id"));
  EXPECT_EQ(logfmt_field(gw.wait_for_lines(1).at(0), "request_id"), r.header("X-Request-Id"));
}

TEST(ConnectionListedHeaders, AHeaderTheClientNamesInConnectionIsNotForwarded) {
  DemoUpstream up;
  Gateway gw{route_to(up)};
  // The second Connection line stands apart from the first: it counts all the same.
  Response r = http_request(gw.port(), "GET", "/",
                            {"Connection: X-Hop", "X-Hop: secret-for-the-next-hop-only", "X-End: kept", "Connection: X-Hop-2", "X-Hop-2: 2"});
  json h = seen_headers(r);
  EXPECT_FALSE(h.contains("x-hop"));
  EXPECT_FALSE(h.contains("x-hop-2"));
  EXPECT_EQ(h.value("x-end", ""), "kept");
}

// A proxy in front (HAProxy's option forwardfor) appends its own
// X-Forwarded-For line at the end of the request, below other fields. Every
// line counts, wherever it stands; a client's own line cannot hide it.
TEST(RepeatedFields, ForwardedForAndViaLinesCountWhereverTheyStand) {
  DemoUpstream up;
  Gateway gw{route_to(up, {{"GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1"}, {"GATEHOUSE_VIA_NAME", "gw-9"}})};
  Response r = http_request(gw.port(), "GET", "/", {"X-Forwarded-For: 6.6.6.6", "X-Other: 1", "X-Forwarded-For: 203.0.113.7", "Via: 1.1 a", "X-More: 2", "Via: 1.1 b"});
  ASSERT_EQ(r.status, 200);
  json h = seen_headers(r);
  EXPECT_EQ(h.value("x-forwarded-for", ""), "6.6.6.6, 203.0.113.7, 127.0.0.1");
  EXPECT_EQ(h.value("via", ""), "1.1 a, 1.1 b, 1.1 gw-9");
  EXPECT_EQ(logfmt_field(gw.wait_for_lines(1).at(0), "fwd"), "203.0.113.7");  // the rightmost untrusted hop
  EXPECT_EQ(http_request(gw.port(), "GET", "/", {"Via: 1.1 a", "X-Other: 1", "Via: 1.1 gw-9"}).status, 508);
}

TEST(ConnectionListedHeaders, AnUpstreamsConnectionHeaderCannotRemoveTheGatewaysResponseHeaders) {
  DemoUpstream up;
  Gateway gw{route_to(up)};
  // The upstream names X-Request-Id and Date in Connection, and sends an X-Request-Id of its own.
  Response r = http_request(gw.port(), "GET", "/response-headers?Connection=X-Request-Id,Date&X-Request-Id=from-upstream");
  ASSERT_EQ(r.status, 200);
  std::string id = logfmt_field(gw.wait_for_lines(1).at(0), "request_id");
  EXPECT_EQ(r.header("X-Request-Id"), id);
  EXPECT_NE(id, "from-upstream");
  EXPECT_FALSE(r.header("Date").empty());
}

// --- 2. Header names with underscores ----------------------------------------

TEST(UnderscoreHeaders, DroppedByDefaultCountedAndNeverFoldedIntoRealHeaders) {
  DemoUpstream up;
  Gateway gw{route_to(up)};
  Response r = http_request(gw.port(), "GET", "/", {"X_Forwarded_For: 6.6.6.6", "Transfer_Encoding: chunked", "X_Api_User: admin", "X-Fine: 1"});
  ASSERT_EQ(r.status, 200) << r.body;
  json h = seen_headers(r);
  for (const auto& [name, value] : h.items()) EXPECT_EQ(name.find('_'), std::string::npos) << name << " reached the upstream";
  EXPECT_EQ(h.value("x-forwarded-for", ""), "127.0.0.1");
  EXPECT_EQ(h.value("x-fine", ""), "1");
  std::string metrics = http_request(gw.admin_port(), "GET", "/metrics").body;
  EXPECT_EQ(metric_sample(metrics, "gatehouse_request_headers_dropped_total"), 3);
}

TEST(UnderscoreHeaders, ASettingAllowsThemAndAnotherRefusesTheRequest) {
  DemoUpstream up;
  Gateway allow{route_to(up, {{"GATEHOUSE_HEADERS_WITH_UNDERSCORES", "allow"}})};
  EXPECT_EQ(seen_headers(http_request(allow.port(), "GET", "/", {"X_Api_User: admin"})).value("x_api_user", ""), "admin");

  Gateway reject{route_to(up, {{"GATEHOUSE_HEADERS_WITH_UNDERSCORES", "reject"}})};
  int before = up.requests();
  Response r = http_request(reject.port(), "GET", "/", {"X_Api_User: admin"});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json::parse(r.body)["detail"].get<std::string>().find("X_Api_User"), std::string::npos);
  EXPECT_EQ(up.requests(), before);
}

// --- 3. Chunked bodies to the letter of RFC 9112 §7.1 ------------------------

struct ChunkCase {
  const char* name;
  const char* body;  // after the head
};

class ChunkedGrammar : public GatewaySuite<ChunkCase> {};

// Each violation sits in the first bytes of the body: 400 problem, closed at
// once (no waiting for a timeout: the client gives up after 3 s, the
// gateway's idle timeout is 60 s), and nothing reaches the upstream.
TEST_P(ChunkedGrammar, ViolationIs400AtOnceAndNothingGoesUpstream) {
  const ChunkCase& c = GetParam();
  int before = up->requests();
  int accepted_before = up->accepted();
  Client client(gw->port(), std::chrono::seconds(3));
  client.send(std::string("POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") + c.body);
  auto r = client.read_response();
  ASSERT_TRUE(r) << c.name << ": no answer";
  EXPECT_EQ(r->status, 400) << c.name;
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(client.closed_by_peer()) << c.name;
  EXPECT_EQ(up->requests(), before) << c.name << " reached the upstream";
  // Not even a connection: the body's start is read before one is taken.
  EXPECT_EQ(up->accepted(), accepted_before) << c.name << " cost an upstream connection";
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9112Section7, ChunkedGrammar,
    ::testing::Values(ChunkCase{"HexPrefix", "0x5\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"SizeOverflow", "100000000000000005\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"NegativeSize", "-5\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"EmptySize", "\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"WhitespaceAfterSize", "5 \r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"ExtensionWithoutName", "5;\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"ExtensionWithoutValue", "5;a=\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"ControlByteInExtension", "5;a=b\x01\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"ControlByteInQuotedExtension", "5;a=\"b\x7f\"\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"UnterminatedQuotedExtension", "5;a=\"b\r\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"BareLFAfterSize", "5\nhello\r\n0\r\n\r\n"},
                      ChunkCase{"BareCRAfterSize", "5\rhello\r\n0\r\n\r\n"},
                      ChunkCase{"DataLongerThanItsSize", "5\r\nhelloXX\r\n0\r\n\r\n"},
                      ChunkCase{"BareLFAfterData", "5\r\nhello\n0\r\n\r\n"},
                      ChunkCase{"BareLFEndingTheBody", "0\r\n\n"},
                      ChunkCase{"TrailerWithBareLF", "0\r\nX-T: 1\n\r\n"},
                      ChunkCase{"TrailerNameWithSpace", "0\r\nX T: 1\r\n\r\n"},
                      ChunkCase{"TrailerWithoutColon", "0\r\nX-T\r\n\r\n"},
                      ChunkCase{"TrailerObsFold", "0\r\nX-T: 1\r\n 2\r\n\r\n"},
                      ChunkCase{"TrailerControlByte", "0\r\nX-T: a\x01" "b\r\n\r\n"}),
    [](const ::testing::TestParamInfo<ChunkCase>& info) { return std::string(info.param.name); });

TEST(ChunkedBodies, ValidExtensionsLeadingZerosAndTrailersAreConsumedAndTheConnectionKeptAlive) {
  DemoUpstream up;
  Gateway gw{route_to(up)};
  Client c(gw.port(), std::chrono::seconds(3));
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
         "005;name=value ; q=\"a \\\"b\\\"\"\r\nhello\r\n"
         "6\r\n world\r\n"
         "000;last\r\nX-Checksum: abc\r\nX-Other:\t1 \r\n\r\n"
         // pipelined: it must be read as the next request, not as trailer leftovers
         "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n");
  auto first = c.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json::parse(first->body)["body_bytes"], 11);
  auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(json::parse(second->body)["method"], "GET");
}

TEST(ChunkedBodies, AValidBodyArrivingOneByteAtATimeIsDecoded) {
  DemoUpstream up;
  Gateway gw{route_to(up)};
  Client c(gw.port(), std::chrono::seconds(5));
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string body = "3;x=\"y\"\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n";
  for (char b : body) c.send(std::string(1, b));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["body_bytes"], 5);
}

TEST(ChunkedBodies, AViolationAfterBytesWentUpstreamAbortsTheUpstreamRequest) {
  DemoUpstream up;
  Gateway gw{route_to(up, {{"GATEHOUSE_WORKERS", "1"}})};
  Client c(gw.port(), std::chrono::seconds(3));
  c.send("POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  // Wait until the head and the first chunk have reached the upstream.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (up.requests() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(up.requests(), 1);
  c.send("zz\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r) << "no answer";
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(logfmt_field(gw.wait_for_lines(1).at(0), "code"), "BR");
  // The upstream request was aborted: its connection is closed, not pooled.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (up.connections() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(up.connections(), 0);
}

// --- 4. Date and Via ---------------------------------------------------------

TEST(DateAndVia, ForwardedAndLocalAnswersCarryDate) {
  DemoUpstream up;  // sends no Date of its own
  Gateway gw{route_to(up)};
  Response proxied = http_request(gw.port(), "GET", "/");
  ASSERT_EQ(proxied.status, 200);
  EXPECT_TRUE(proxied.header("Date").ends_with(" GMT")) << proxied.header("Date");
  EXPECT_FALSE(http_request(gw.port(), "GET", "/healthz").header("Date").empty());
  Client raw(gw.port());
  raw.send("GET / HTTP/1.1\r\n\r\n");  // refused while its head is read
  auto refused = raw.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_FALSE(refused->header("Date").empty());
  // An upstream's own Date is kept.
  Response own = http_request(gw.port(), "GET", "/response-headers?Date=Sun,%2006%20Nov%201994%2008:49:37%20GMT");
  EXPECT_EQ(own.header("Date"), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(DateAndVia, ViaIsAppendedWithTheReceivedProtocol) {
  DemoUpstream up;
  Gateway gw{route_to(up, {{"GATEHOUSE_VIA_NAME", "edge-7"}})};
  EXPECT_EQ(seen_headers(http_request(gw.port(), "GET", "/", {"Via: 1.0 fred, 1.1 p.example.net (Apache, 2.4)"})).value("via", ""),
            "1.0 fred, 1.1 p.example.net (Apache, 2.4), 1.1 edge-7");
  Client old(gw.port());
  old.send("GET / HTTP/1.0\r\n\r\n");
  auto r = old.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["headers"].value("via", ""), "1.0 edge-7");
}

TEST(DateAndVia, ARouteThatPointsBackAtTheGatewayIs508NotAnEndlessLoop) {
  // The route's upstream is the gateway itself.
  std::uint16_t port = unused_port();
  Gateway gw{{{"GATEHOUSE_PORT", std::to_string(port)}, {"GATEHOUSE_VIA_NAME", "loopy"},
              {"GATEHOUSE_ROUTE_ALL_PATH", "/"}, {"GATEHOUSE_ROUTE_ALL_UPSTREAM", "http://127.0.0.1:" + std::to_string(port)}}};
  Response r = http_request(gw.port(), "GET", "/anything");
  EXPECT_EQ(r.status, 508);
  EXPECT_EQ(json::parse(r.body)["type"], "/problems/loop-detected");
  auto lines = gw.wait_for_lines(2);
  ASSERT_EQ(lines.size(), 2u);  // one pass through, the second refused (the two may be logged in either order)
  std::multiset<std::string> codes{logfmt_field(lines[0], "code"), logfmt_field(lines[1], "code")};
  EXPECT_EQ(codes, (std::multiset<std::string>{"LD", "U5"}));  // refused here, passed back as a 5xx there
  EXPECT_EQ(logfmt_field(lines[0], "status"), "508");
  EXPECT_EQ(logfmt_field(lines[1], "status"), "508");
  // A Via naming the gateway, case aside, is a loop too.
  EXPECT_EQ(http_request(gw.port(), "GET", "/x", {"Via: 1.1 LOOPY"}).status, 508);
}

// --- 5. Small conformance points ---------------------------------------------

namespace {

// A loopback listener that takes one connection and keeps the first bytes
// the client sends: for an https:// upstream, the real TLS ClientHello.
class ClientHelloCatcher {
 public:
  ClientHelloCatcher() {
    listener_ = bind_loopback(port_);
    listen(listener_, 4);
    thread_ = std::thread([this] {
      int c = accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[4096];
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n > 0) hello_.assign(buf, static_cast<std::size_t>(n));
      close(c);
    });
  }
  ~ClientHelloCatcher() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return port_; }
  const std::string& hello() {
    if (thread_.joinable()) thread_.join();
    return hello_;
  }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::string hello_;
};

// The server_name (SNI) of a ClientHello, "" when it has none (RFC 8446 §4.1.2, RFC 6066 §3).
std::string sni_of(const std::string& hello) {
  auto byte = [&](std::size_t i) { return i < hello.size() ? static_cast<unsigned char>(hello[i]) : 0u; };
  auto u16 = [&](std::size_t i) { return (byte(i) << 8) | byte(i + 1); };
  if (byte(0) != 0x16 || byte(5) != 0x01) return "not a ClientHello";
  std::size_t p = 5 + 4 + 2 + 32;  // record and handshake headers, version, random
  p += 1 + byte(p);                // session id
  p += 2 + u16(p);                 // cipher suites
  p += 1 + byte(p);                // compression methods
  std::size_t end = p + 2 + u16(p);
  for (p += 2; p + 4 <= end && p + 4 <= hello.size(); p += 4 + u16(p + 2)) {
    if (u16(p) != 0) continue;  // not server_name
    std::size_t name_len = u16(p + 4 + 3);
    return hello.substr(p + 4 + 5, name_len);
  }
  return "";
}

}  // namespace

TEST(Conformance, AnIpLiteralIsNeverSentAsSniButAHostNameIs) {
  ClientHelloCatcher by_address;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "https://127.0.0.1:" + std::to_string(by_address.port())}}};
  EXPECT_EQ(http_request(gw.port(), "GET", "/").status, 502);  // the catcher never answers the handshake
  EXPECT_EQ(sni_of(by_address.hello()), "");

  ClientHelloCatcher by_name;
  Gateway named{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "https://localhost:" + std::to_string(by_name.port())}}};
  EXPECT_EQ(http_request(named.port(), "GET", "/").status, 502);
  EXPECT_EQ(sni_of(by_name.hello()), "localhost");
}

TEST(Conformance, OptionsStarIsAnsweredLocallyWithAllow) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/a"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_ROUTE_A_METHODS", "GET,PUT"},
              {"GATEHOUSE_ROUTE_B_PATH", "/b"}, {"GATEHOUSE_ROUTE_B_UPSTREAM", up.url()}, {"GATEHOUSE_ROUTE_B_METHODS", "POST"}}};
  Response r = http_request(gw.port(), "OPTIONS", "*");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Allow"), "GET, OPTIONS, POST, PUT");
  EXPECT_EQ(r.header("Content-Length"), "0");
  EXPECT_EQ(up.requests(), 0);
  EXPECT_EQ(http_request(gw.port(), "GET", "*").status, 400);
}

TEST(Conformance, EmptyHostOverlongMethodAndOverlongTarget) {
  DemoUpstream up;
  Gateway gw{route_to(up, {{"GATEHOUSE_MAX_HEADER_SIZE", "4k"}})};
  Client empty_host(gw.port());
  empty_host.send("GET / HTTP/1.1\r\nHost:\r\n\r\n");
  auto r1 = empty_host.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 400);

  // A method longer than any real one is a malformed request, not a large head.
  Client long_method(gw.port(), std::chrono::seconds(3));
  long_method.try_send(std::string(8000, 'A'));
  auto r2 = long_method.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);
  EXPECT_NE(json::parse(r2->body)["detail"].get<std::string>().find("method"), std::string::npos);

  // A target that alone fills the head limit is 414, as nginx answers.
  Response r3 = http_request(gw.port(), "GET", "/" + std::string(5000, 'x'));
  EXPECT_EQ(r3.status, 414);
  EXPECT_EQ(json::parse(r3.body)["type"], "/problems/uri-too-long");
  EXPECT_EQ(up.requests(), 0);
}
