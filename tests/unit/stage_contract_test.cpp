// The stage contract (include/gatehouse/stage.hpp), exercised by a probe
// stage placed where the cache and idempotency stages will be: between route
// and upstream, in a real worker, in front of a real upstream (the demo
// upstream process), driven by a real client socket.
//   - per-request state, created in on_request and seen by every later hook;
//   - the awaitable response-head hook;
//   - request and response taps and length-changing filters;
//   - the completion hook with its outcome: delivered, client gone after N
//     bytes, upstream failed, shutdown;
//   - a tap on the request body does not stop the safe retry;
//   - background work counted and cancelled at drain.
#include <gtest/gtest.h>
#include <fcntl.h>

#include <future>
#include <mutex>
#include <thread>

#include "gatehouse/listener.hpp"
#include "gatehouse/worker.hpp"
#include "harness.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;
using gatehouse::testing::Client;
using gatehouse::testing::DemoUpstream;

namespace {

// What the probe saw, readable from the test thread.
struct Journal {
  std::mutex mutex;
  std::vector<std::string> events;
  std::uint64_t request_bytes_tapped = 0;
  std::uint64_t response_bytes_tapped = 0;
  std::vector<Outcome> outcomes;

  void add(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  std::vector<Outcome> wait_for_outcomes(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mutex);
        if (outcomes.size() >= n) return outcomes;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::lock_guard lock(mutex);
    return outcomes;
  }
  bool has(const std::string& e) {
    std::lock_guard lock(mutex);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

// Counts what passes and records the end; changes nothing.
class CountingTap final : public BodyFilter {
 public:
  CountingTap(Journal& j, std::uint64_t Journal::*counter, std::string name) : j_(j), counter_(counter), name_(std::move(name)) {}
  std::string_view on_data(std::string_view piece) override {
    std::lock_guard lock(j_.mutex);
    j_.*counter_ += piece.size();
    return piece;
  }
  std::string_view on_end() override {
    j_.add(name_ + " end");
    return {};
  }
  void on_abort() noexcept override { j_.add(name_ + " abort"); }

 private:
  Journal& j_;
  std::uint64_t Journal::*counter_;
  std::string name_;
};

// Wraps the body in < and >: a filter that changes the length.
class Bracketing final : public BodyFilter {
 public:
  std::string_view on_data(std::string_view piece) override {
    out_.assign(started_ ? "" : "<");
    started_ = true;
    out_.append(piece);
    return out_;
  }
  std::string_view on_end() override { return started_ ? ">" : "<>"; }
  bool keeps_length() const override { return false; }

 private:
  std::string out_;
  bool started_ = false;
};

// Adds bytes at the end but claims to keep the length: a buggy filter.
class TrailingBytes final : public BodyFilter {
 public:
  std::string_view on_data(std::string_view piece) override { return piece; }
  std::string_view on_end() override { return "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"; }
};

// The probe's per-request state.
struct ProbeState final : StageState {
  std::string mode;  // the X-Probe request header
};

class ProbeStage final : public Stage {
 public:
  ProbeStage(StageServices& services, Journal& j) : services_(services), j_(j) {}
  std::string_view name() const override { return "probe"; }
  bool has_response_head_hook() const override { return true; }

  Awaitable<Flow> on_request(Exchange& ex) override {
    auto& state = ex.emplace_state<ProbeState>(*this);
    state.mode = std::string(ex.request["X-Probe"]);
    if (has(&state, "tap-request")) ex.add_request_filter(*this, std::make_unique<CountingTap>(j_, &Journal::request_bytes_tapped, "request"));
    if (has(&state, "bracket-request")) ex.add_request_filter(*this, std::make_unique<Bracketing>());
    if (has(&state, "trailing-bytes")) ex.add_request_filter(*this, std::make_unique<TrailingBytes>());
    co_return Flow::next;
  }

  Awaitable<void> on_response_head(Exchange& ex) override {
    // Awaitable: a stage may wait here (a store lookup) before the head goes out.
    asio::steady_timer pause(services_.io, 5ms);
    co_await pause.async_wait(use_nothrow);
    auto* state = ex.state<ProbeState>(*this);
    ex.response.set("X-Probe-Mode", state ? state->mode : "no state");
    if (has(state, "tap-response"))
      ex.add_response_filter(*this, std::make_unique<CountingTap>(j_, &Journal::response_bytes_tapped, "response"));
    if (has(state, "bracket-response")) ex.add_response_filter(*this, std::make_unique<Bracketing>());
  }

  void on_complete(Exchange& ex, const Outcome& outcome) noexcept override {
    auto* state = ex.state<ProbeState>(*this);
    {
      std::lock_guard lock(j_.mutex);
      j_.outcomes.push_back(outcome);
      j_.events.push_back("complete " + std::string(ending_text(outcome.ending)) + " mode=" + (state ? state->mode : "?"));
    }
    if (has(state, "background")) {
      // Work that outlives the request: here, a wait no request would sit through.
      services_.background.spawn("probe", [](asio::io_context& io) -> Awaitable<void> {
        asio::steady_timer t(io, std::chrono::hours(1));
        co_await t.async_wait(use_nothrow);
      }(services_.io));
    }
  }

 private:
  bool has(const ProbeState* s, std::string_view word) const { return s && s->mode.find(word) != std::string::npos; }

  StageServices& services_;
  Journal& j_;
};

// One worker on a thread, with the default stages and the probe before upstream.
class InProcessGateway {
 public:
  explicit InProcessGateway(const std::string& upstream, Journal& journal, EnvMap extra = {}) {
    EnvMap env{{"GATEHOUSE_ROUTE_ALL_PATH", "/"}, {"GATEHOUSE_ROUTE_ALL_UPSTREAM", upstream}};
    env.merge(extra);
    settings_ = load_settings(env, 1);
    shared_.emplace(settings_, RouteTable(settings_.routes), log_, nullptr, tls_);
    worker_.emplace(0, *shared_);
    Pipeline p;
    for (const auto& factory : default_stage_factories()) {
      if (factory->name() == "upstream") p.add(std::make_unique<ProbeStage>(worker_->services(), journal));
      p.add(factory->create(worker_->services()));
    }
    worker_->use_pipeline(std::move(p));
    auto acceptors = open_listeners({&worker_->io()}, "127.0.0.1", 0);
    port_ = acceptors.front().local_endpoint().port();
    worker_->serve(std::move(acceptors.front()));
    thread_ = std::thread([this] { worker_->run(); });
  }
  ~InProcessGateway() { stop(); }

  std::uint16_t port() const { return port_; }

  // Runs `f` on the worker's thread and returns its result.
  template <class F>
  auto on_worker(F f) {
    std::promise<decltype(f())> done;
    asio::post(worker_->io(), [&] { done.set_value(f()); });
    return done.get_future().get();
  }
  void begin_drain() {
    shared_->draining = true;
    on_worker([this] {
      worker_->begin_drain();
      return 0;
    });
  }
  MetricsShard::BackgroundStats background(const std::string& kind) {
    return on_worker([&] { return worker_->metrics().background[kind]; });
  }
  // Stops the event loop and destroys the worker with whatever is in flight.
  void stop() {
    if (!worker_) return;
    worker_->stop();
    if (thread_.joinable()) thread_.join();
    worker_.reset();
  }

 private:
  Settings settings_;
  LogWriter log_{::open("/dev/null", O_WRONLY)};
  ssl::context tls_{ssl::context::tls_client};
  std::optional<SharedState> shared_;
  std::optional<Worker> worker_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

std::string request(const std::string& method, const std::string& target, const std::string& probe, const std::string& body = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: t\r\nX-Probe: " + probe + "\r\n";
  if (!body.empty() || method == "PUT" || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// Most cases: the probe in one worker, in front of a plain demo upstream.
class StageContract : public ::testing::Test {
 protected:
  DemoUpstream up;
  Journal j;
  InProcessGateway gw{up.url(), j};
};

}  // namespace

TEST_F(StageContract, StateAndTheAwaitableHeadHookReachTheClientAndCompletionSaysDelivered) {
  Client c(gw.port());
  c.send(request("GET", "/", "plain"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("x-probe-mode"), "plain");  // state from on_request, read in on_response_head
  EXPECT_FALSE(res->header("x-request-id").empty());  // observe's head hook ran too
  auto outcomes = j.wait_for_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].ending, Outcome::Ending::delivered);
  EXPECT_EQ(outcomes[0].status, 200);
  EXPECT_EQ(outcomes[0].body_bytes, res->body.size());
  EXPECT_TRUE(outcomes[0].request_sent);
}

TEST_F(StageContract, RequestAndResponseTapsSeeEveryByteOnceAndTheEnd) {
  std::string body(100000, 'b');  // several pieces
  Client c(gw.port());
  c.send(request("PUT", "/echo", "tap-request tap-response", body));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"body_bytes\":100000"), std::string::npos) << res->body;
  j.wait_for_outcomes(1);
  std::lock_guard lock(j.mutex);
  EXPECT_EQ(j.request_bytes_tapped, body.size());
  EXPECT_EQ(j.response_bytes_tapped, res->body.size());
  EXPECT_NE(std::find(j.events.begin(), j.events.end(), "request end"), j.events.end());
  EXPECT_NE(std::find(j.events.begin(), j.events.end(), "response end"), j.events.end());
}

TEST_F(StageContract, FiltersThatChangeTheLengthSendTheBodyChunkedBothWays) {
  Client c(gw.port());
  c.send(request("PUT", "/echo", "bracket-request bracket-response", std::string(40000, 'x')));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // The upstream got the request body with its brackets, chunked.
  EXPECT_NE(res->body.find("\"body_bytes\":40002"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("chunked"), std::string::npos) << res->body;
  // The client gets the response wrapped, without the upstream's Content-Length.
  EXPECT_EQ(res->body.front(), '<');
  EXPECT_EQ(res->body.back(), '>');
  EXPECT_EQ(res->header("content-length"), "");
  EXPECT_EQ(res->header("transfer-encoding"), "chunked");
  // The connection is still usable.
  c.send(request("GET", "/", "plain"));
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(StageContract, CompletionSaysTheClientLeftAndHowFarTheBodyGot) {
  {
    Client c(gw.port());
    c.send(request("GET", "/bytes/200000000", "tap-response"));
    char some[4096];
    ASSERT_GT(::recv(c.fd(), some, sizeof some, 0), 0);
  }  // closed with 200 MB still to come
  auto outcomes = j.wait_for_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].ending, Outcome::Ending::client_gone);
  EXPECT_EQ(outcomes[0].status, 200);  // the head had gone out
  EXPECT_GT(outcomes[0].body_bytes, 0u);
  EXPECT_LT(outcomes[0].body_bytes, 200000000u);
  EXPECT_TRUE(j.has("response abort"));  // the tap learns the body was cut short
  EXPECT_FALSE(j.has("response end"));
}

TEST_F(StageContract, CompletionSaysTheUpstreamFailed) {
  Client c(gw.port());
  c.send(request("GET", "/reset", "plain"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  auto outcomes = j.wait_for_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].ending, Outcome::Ending::upstream_failed);
  EXPECT_EQ(outcomes[0].status, 502);
}

TEST_F(StageContract, ARequestCutOffByShutdownStillCompletes) {
  Client c(gw.port());
  c.send(request("GET", "/delay/5000", "slow"));
  std::this_thread::sleep_for(200ms);  // the request waits on the upstream now
  gw.stop();
  auto outcomes = j.wait_for_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].ending, Outcome::Ending::shutdown);
  EXPECT_TRUE(j.has("complete shutdown mode=slow"));
}

TEST(StageContractRetry, ARequestTapDoesNotStopTheSafeRetryAndSeesEachByteOnce) {
  // The upstream drops the second request on a connection unanswered: the
  // pooled connection fails before any response byte, and the PUT (idempotent)
  // is sent again on a fresh one, from the bytes the gateway kept.
  DemoUpstream up({"--answers-per-connection", "1"});
  Journal j;
  InProcessGateway gw(up.url(), j);
  Client c(gw.port());
  c.send(request("GET", "/", "plain"));
  ASSERT_TRUE(c.read_response());
  std::string body(5000, 'p');
  c.send(request("PUT", "/echo", "tap-request", body));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;  // sent again on a fresh connection
  EXPECT_NE(res->body.find("\"body_bytes\":5000"), std::string::npos) << res->body;
  j.wait_for_outcomes(2);
  std::lock_guard lock(j.mutex);
  EXPECT_EQ(j.request_bytes_tapped, body.size());  // not twice
}

TEST_F(StageContract, BackgroundWorkIsCountedAndCancelledAtDrain) {
  Client c(gw.port());
  c.send(request("GET", "/", "background"));
  ASSERT_TRUE(c.read_response());
  j.wait_for_outcomes(1);
  auto before = gw.background("probe");
  EXPECT_EQ(before.running, 1);
  gw.begin_drain();
  MetricsShard::BackgroundStats after;
  for (int i = 0; i < 200; ++i) {
    after = gw.background("probe");
    if (after.running == 0) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(after.running, 0);
  EXPECT_EQ(after.cancelled, 1u);
  EXPECT_EQ(after.done, 0u);
}

TEST_F(StageContract, AResponseWithoutABodyEndsItsFiltersInsteadOfAbortingThem) {
  Client c(gw.port());
  c.send(request("HEAD", "/", "tap-response"));
  auto res = c.read_response(true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto outcomes = j.wait_for_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].ending, Outcome::Ending::delivered);
  EXPECT_TRUE(j.has("response end"));  // a cache may store it, an idempotency record keep it
  EXPECT_FALSE(j.has("response abort"));
}

TEST_F(StageContract, ARequestWithoutABodySendsNoneWhateverAFilterAdds) {
  Client c(gw.port());
  c.send(request("GET", "/echo", "trailing-bytes"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"body_bytes\":0"), std::string::npos) << res->body;
  // Nothing reached the upstream as a request of its own.
  c.send(request("GET", "/", "plain"));
  ASSERT_TRUE(c.read_response());
  EXPECT_EQ(up.requests(), 2);
}
