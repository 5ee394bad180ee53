// WebSocket pass-through as a client sees it: a real WebSocket client
// (Beast's) through a real gateway to the demo upstream's echo (Beast's
// server side), the upgraded connection's access line, the idle timeout,
// drain, and routes that do not pass upgrades on.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <csignal>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

Env ws_env(const DemoUpstream& up, Env more = {}) {
  // A short drain: a test that leaves a tunnel open does not wait 25 s at its end.
  Env env{{"GATEHOUSE_ROUTE_CABLE_PATH", "/"}, {"GATEHOUSE_ROUTE_CABLE_UPSTREAM", up.url()}, {"GATEHOUSE_DRAIN_TIMEOUT", "2s"}};
  for (auto& [k, v] : more) env[k] = v;
  return env;
}

// A WebSocket client whose every operation gives up after `timeout`: a
// test never hangs on a connection the gateway failed to end. (Asio's
// blocking reads retry through SO_RCVTIMEO, so each operation is run
// asynchronously, for at most that long.)
template <class Next>
class BasicWsClient {
 public:
  // `tls`: for wss://, the context that trusts the gateway's certificate.
  template <class... Tls>
  BasicWsClient(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout, Tls&... tls)
      : ws_(io_, tls...), timeout_(timeout) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if constexpr (sizeof...(Tls) > 0) ws_.next_layer().handshake(ssl::stream_base::client);
    ws_.handshake("test.local", target);
  }
  BasicWsClient(std::uint16_t port, const std::string& target) : BasicWsClient(port, target, 5s) {}
  void send_text(const std::string& s) {
    ws_.text(true);
    EXPECT_FALSE(run([&](auto done) { ws_.async_write(asio::buffer(s), done); }));
  }
  void send_binary(const std::string& s) {
    ws_.binary(true);
    EXPECT_FALSE(run([&](auto done) { ws_.async_write(asio::buffer(s), done); }));
  }
  // The next message, or the error that ended the read (timed_out: nothing came in time).
  std::string read(beast::error_code& ec) {
    beast::flat_buffer b;
    ec = run([&](auto done) { ws_.async_read(b, done); });
    return beast::buffers_to_string(b.data());
  }
  std::string read() {
    beast::error_code ec;
    std::string m = read(ec);
    EXPECT_FALSE(ec) << ec.message();
    return m;
  }
  bool got_text() const { return ws_.got_text(); }
  websocket::close_code close_code() const { return static_cast<websocket::close_code>(ws_.reason().code); }
  void close() {
    EXPECT_FALSE(run([&](auto done) { ws_.async_close(websocket::close_code::normal, [done](beast::error_code ec) { done(ec, 0); }); }));
  }

 private:
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result = asio::error::timed_out;
    bool finished = false;
    start([&](beast::error_code ec, std::size_t) {
      result = ec;
      finished = true;
    });
    io_.restart();
    io_.run_for(timeout_);
    if (!finished) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).close(ignored);  // the operation completes, aborted
      io_.restart();
      io_.run();
      result = asio::error::timed_out;
    }
    return result;
  }

  asio::io_context io_;
  websocket::stream<Next> ws_;
  std::chrono::milliseconds timeout_;
};
using WsClient = BasicWsClient<tcp::socket>;
using WssClient = BasicWsClient<ssl::stream<tcp::socket>>;

std::uint64_t field_number(const std::string& line, const std::string& key) { return std::stoull(logfmt_field(line, key)); }
double millis(const std::string& line, const std::string& key) { return std::stod(logfmt_field(line, key)); }

// The request as the upstream received it (the demo's JSON of /), sent raw.
Response raw_upgrade(std::uint16_t port, const std::string& upgrade, std::vector<std::string> more = {}) {
  std::vector<std::string> headers{"Upgrade: " + upgrade, "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="};
  for (auto& h : more) headers.push_back(h);
  return http_request(port, "GET", "/ws", headers);
}

TEST(WebSocket, MessagesEchoBothWaysThroughTheGatewayAndTheLineIsWrittenWhenTheConnectionEnds) {
  DemoUpstream up;
  Gateway gw{ws_env(up)};
  std::size_t before = gw.access_lines().size();
  std::string big;
  {
    WsClient ws(gw.port(), "/ws");
    ws.send_text("hello");
    EXPECT_EQ(ws.read(), "hello");
    EXPECT_TRUE(ws.got_text());
    // Larger than a tunnel buffer and a socket read: it crosses in many pieces.
    big.assign(300 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
    ws.send_binary(big);
    EXPECT_EQ(ws.read(), big);
    EXPECT_FALSE(ws.got_text());
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(gw.access_lines().size(), before) << "an open WebSocket has no line yet";
    ws.close();
  }
  std::string line = gw.wait_for_lines(before + 1).at(before);
  EXPECT_EQ(logfmt_field(line, "status"), "101") << line;
  EXPECT_EQ(logfmt_field(line, "path"), "/ws") << line;
  EXPECT_EQ(logfmt_field(line, "code"), "") << line;
  EXPECT_EQ(logfmt_field(line, "rest"), "-") << "a 101 is no representation for the REST rules to judge";
  // Both messages, each way, with their frame headers (and the close frames).
  EXPECT_GT(field_number(line, "bytes_in"), big.size());
  EXPECT_GT(field_number(line, "bytes"), big.size());
  EXPECT_GE(millis(line, "duration"), 200) << "the line covers the connection's life";
  EXPECT_EQ(gw.access_lines().size(), before + 1) << "one line per upgraded connection";
  std::string metrics = http_request(gw.admin_port(), "GET", "/metrics").body;
  EXPECT_EQ(metric_sample(metrics, "gatehouse_http_requests_total{route=\"cable\",method=\"GET\",code=\"101\"}"), 1);
  // A WebSocket's life is not a request's latency.
  EXPECT_LE(metric_sample(metrics, "gatehouse_http_request_duration_seconds_count{route=\"cable\",method=\"GET\"}"), 0) << metrics;
}

TEST(WebSocket, AClientOnTlsGetsTheSameTunnel) {
  TempDir certs;
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                    certs.path() + "/key.pem -out " + certs.path() + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  DemoUpstream up;
  Gateway gw{ws_env(up, {{"GATEHOUSE_TLS_CERT", certs.path() + "/cert.pem"}, {"GATEHOUSE_TLS_KEY", certs.path() + "/key.pem"}})};
  std::size_t before = gw.access_lines().size();
  ssl::context tls(ssl::context::tls_client);
  tls.load_verify_file(certs.path() + "/cert.pem");
  tls.set_verify_mode(ssl::verify_peer);
  {
    WssClient ws(gw.port(), "/ws", 5s, tls);
    std::string big(100 * 1024, 'w');
    ws.send_binary(big);
    EXPECT_EQ(ws.read(), big);
    ws.send_text("close");
    beast::error_code ec;
    ws.read(ec);
    // The closing handshake reached the client; the gateway then closes TCP
    // without a TLS close_notify of its own (README, WebSockets), which
    // Beast's teardown reports as a truncated stream.
    EXPECT_TRUE(ec == websocket::error::closed || ec == ssl::error::stream_truncated) << ec.message();
    EXPECT_EQ(ws.close_code(), websocket::close_code::normal);
  }
  auto lines = gw.wait_for_lines(before + 1, 3s);
  ASSERT_GT(lines.size(), before);
  EXPECT_EQ(logfmt_field(lines.at(before), "status"), "101") << lines.at(before);
  EXPECT_GT(field_number(lines.at(before), "bytes"), 100u * 1024);
}

TEST(WebSocket, TheUpstreamClosingEndsTheTunnelCleanly) {
  DemoUpstream up;
  Gateway gw{ws_env(up)};
  std::size_t before = gw.access_lines().size();
  WsClient ws(gw.port(), "/ws");
  ws.send_text("close");  // the demo closes with 1000
  beast::error_code ec;
  ws.read(ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  // The upstream's TCP close is passed on as the client's end of the tunnel:
  // it is over at once, not at the idle timeout.
  auto lines = gw.wait_for_lines(before + 1, 2s);
  ASSERT_GT(lines.size(), before) << "the tunnel did not end when the upstream closed";
  std::string line = lines.at(before);
  EXPECT_EQ(logfmt_field(line, "status"), "101") << line;
  EXPECT_EQ(logfmt_field(line, "code"), "") << line;
}

TEST(WebSocket, AServerThatOnlyPushesKeepsTheTunnelOpenAndSilenceClosesItAfterTheIdleTimeout) {
  DemoUpstream up;
  Gateway gw{ws_env(up, {{"GATEHOUSE_WEBSOCKET_IDLE_TIMEOUT", "400ms"}})};
  {
    // Ticks every 100 ms, the client silent: traffic one way is not idle.
    WsClient ws(gw.port(), "/ws?push_ms=100");
    for (int i = 1; i <= 10; ++i) EXPECT_EQ(ws.read(), "tick " + std::to_string(i));
    ws.close();
  }
  std::size_t before = gw.wait_for_lines(1).size();
  WsClient ws(gw.port(), "/ws");
  ws.send_text("ping");
  EXPECT_EQ(ws.read(), "ping");
  auto start = std::chrono::steady_clock::now();
  beast::error_code ec;
  ws.read(ec);  // nothing comes: the gateway closes the silent tunnel
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, asio::error::timed_out) << "the client's own read timeout ran out first";
  EXPECT_GE(waited, 350ms);
  EXPECT_LT(waited, 3s);
  std::string line = gw.wait_for_lines(before + 1).at(before);
  EXPECT_EQ(logfmt_field(line, "status"), "101") << line;
  EXPECT_EQ(logfmt_field(line, "code"), "TI") << line;
  EXPECT_EQ(logfmt_field(line, "at"), "info") << line;
}

TEST(WebSocket, ARouteThatDoesNotPassUpgradesSendsAPlainGet) {
  DemoUpstream up;
  Gateway gw{ws_env(up, {{"GATEHOUSE_ROUTE_CABLE_WEBSOCKET", "false"}})};
  Response r = raw_upgrade(gw.port(), "websocket");
  EXPECT_EQ(r.status, 426) << "the demo answers a GET /ws that arrived without its upgrade";
  EXPECT_EQ(r.body.find("\"upgrade\""), std::string::npos) << r.body;
  EXPECT_THROW(WsClient(gw.port(), "/ws"), boost::system::system_error);
}

TEST(WebSocket, OnlyWebSocketIsPassedOnAndTheUpgradeRequestMeetsTheFramingChecks) {
  DemoUpstream up;
  Gateway gw{ws_env(up)};
  Response h2c = raw_upgrade(gw.port(), "h2c");
  EXPECT_EQ(h2c.status, 426);
  EXPECT_EQ(h2c.body.find("\"upgrade\""), std::string::npos) << "h2c is never passed on: " << h2c.body;
  // Content-Length and Transfer-Encoding both: refused before any upgrade (RFC 9112 §6.1).
  Response smuggle = raw_upgrade(gw.port(), "websocket", {"Content-Length: 4", "Transfer-Encoding: chunked"});
  EXPECT_EQ(smuggle.status, 400);
  EXPECT_EQ(smuggle.header("content-type"), "application/problem+json");
}

TEST(WebSocket, TheCacheNeverAnswersAnUpgrade) {
  DemoUpstream up;
  Gateway gw{ws_env(up, {{"GATEHOUSE_ROUTE_CABLE_CACHE", "true"}})};
  EXPECT_EQ(http_request(gw.port(), "GET", "/ws?cacheable=1").status, 200);
  Response cached = http_request(gw.port(), "GET", "/ws?cacheable=1");
  ASSERT_FALSE(cached.header("age").empty()) << "the plain GET is cached";
  WsClient ws(gw.port(), "/ws?cacheable=1");  // throws if a stored 200 answered it
  ws.send_text("through");
  EXPECT_EQ(ws.read(), "through");
}

TEST(WebSocket, ADrainWaitsForOpenTunnelsUpToItsDeadlineThenClosesThem) {
  DemoUpstream up;
  Gateway gw{ws_env(up, {{"GATEHOUSE_DRAIN_TIMEOUT", "1500ms"}})};
  WsClient ws(gw.port(), "/ws");
  ws.send_text("before");
  EXPECT_EQ(ws.read(), "before");
  auto start = std::chrono::steady_clock::now();
  gw.process().signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  ws.send_text("during the drain");
  EXPECT_EQ(ws.read(), "during the drain") << "an open tunnel keeps working while the gateway drains";
  beast::error_code ec;
  ws.read(ec);  // the deadline closes it
  EXPECT_TRUE(ec);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1200ms);
  EXPECT_EQ(gw.process().wait(10s), 0);
  auto lines = gw.access_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(logfmt_field(lines.back(), "status"), "101") << lines.back();
  EXPECT_GT(field_number(lines.back(), "bytes_in"), 0u);
}

}  // namespace
