// Per-request costs that do not involve I/O: run with
//   build/release/bench/gatehouse_micro_bench
#include <benchmark/benchmark.h>

#include "gatehouse/access_line.hpp"
#include "gatehouse/framing.hpp"
#include "gatehouse/request_target.hpp"
#include "gatehouse/route_table.hpp"

using namespace gatehouse;

static void BM_ScanRequestHead(benchmark::State& state) {
  const std::string head =
      "GET /api/bookings/123?page=2 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8.0\r\n"
      "Accept: application/json\r\nX-Request-Id: 5f0c9a2e-1cf1-4809-ad5a-f0d4673ea334\r\n"
      "Authorization: Bearer abcdefghijklmnopqrstuvwxyz\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n";
  for (auto _ : state) benchmark::DoNotOptimize(scan_request_head(head));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
}
BENCHMARK(BM_ScanRequestHead);

static void BM_RouteMatch(benchmark::State& state) {
  std::vector<Route> routes;
  for (int i = 0; i < state.range(0); ++i) {
    Route r;
    r.name = "r" + std::to_string(i);
    r.path_prefix = "/api/service" + std::to_string(i);
    routes.push_back(r);
  }
  Route all;
  all.name = "all";
  all.path_prefix = "/";
  routes.push_back(all);
  sort_routes_by_specificity(routes);
  RouteTable table(routes);
  for (auto _ : state) benchmark::DoNotOptimize(table.match("api.example.com", "/api/service7/bookings/123"));
}
BENCHMARK(BM_RouteMatch)->Arg(10)->Arg(100)->Arg(1000);

static void BM_NormalizeTarget(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(normalize_target("/api/bookings/123/items?page=2&sort=asc"));
}
BENCHMARK(BM_NormalizeTarget);

static void BM_AccessLine(benchmark::State& state) {
  RequestInfo i;
  i.request_id = "5f0c9a2e-1cf1-4809-ad5a-f0d4673ea334";
  i.method = "GET";
  i.target = "/api/bookings/123?page=2&token=abc";
  i.host = "api.example.com";
  i.route = "bookings";
  i.client = "203.0.113.7";
  i.upstream = "10.0.3.4:8080";
  i.service_us = 18500;
  i.duration_us = 21034;
  i.status = 200;
  i.bytes_out = 1532;
  std::string out;
  out.reserve(1024);
  auto format = static_cast<LogFormat>(state.range(0));
  for (auto _ : state) {
    out.clear();
    append_access_line(out, i, format);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AccessLine)->Arg(static_cast<int>(LogFormat::logfmt))->Arg(static_cast<int>(LogFormat::json));

// The metrics work the `complete` step does per request (a worker's own
// shard: no lock, no atomic), and a scrape's render.
#include "gatehouse/metrics.hpp"

static void BM_MetricsRecord(benchmark::State& state) {
  MetricsShard shard;
  RequestInfo i;
  i.route_id = 3;
  i.method = "GET";
  i.status = 200;
  i.duration_us = 2100;
  i.service_us = 1800;
  i.bytes_out = 1532;
  for (auto _ : state) {
    shard.record(i);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_MetricsRecord);

static void BM_MetricsRender(benchmark::State& state) {
  MetricsShard shard;
  std::vector<std::string> routes;
  for (int r = 0; r < 20; ++r) {
    routes.push_back("route" + std::to_string(r));
    for (const char* m : {"GET", "POST", "PUT"})
      for (int code : {200, 201, 404, 502}) {
        RequestInfo i;
        i.route_id = static_cast<std::int16_t>(r);
        i.method = m;
        i.status = code;
        i.duration_us = 1000 + r;
        shard.record(i);
      }
  }
  for (auto _ : state) benchmark::DoNotOptimize(render_metrics({shard, routes, {}}, ExpositionFormat::prometheus_0_0_4));
}
BENCHMARK(BM_MetricsRender);

// The cost of the pipeline itself: the same exchange through the default
// stages before the upstream (observe, route) and a local answer, with and
// without three more stages present but inactive on the route (as the cache,
// idempotency and REST stages are on a route that does not turn them on).
// Compare the two rows; either's difference from a proxied request's full
// cost (tens of microseconds) is the part of throughput the pipeline takes.
#include <fcntl.h>

#include "gatehouse/worker.hpp"

namespace {

// Present on every route, active on none.
class InactiveStage final : public Stage {
 public:
  std::string_view name() const override { return "inactive"; }
  bool active_for(const Route&) const override { return false; }
  bool has_response_head_hook() const override { return true; }
  Awaitable<Flow> on_request(Exchange&) override { co_return Flow::next; }
};

// Stands in for the upstream: answers at once, without I/O.
class AnsweringStage final : public Stage {
 public:
  std::string_view name() const override { return "answer"; }
  Awaitable<Flow> on_request(Exchange& ex) override {
    ex.answer(http::status::ok, "{\"id\":123}", "application/json");
    co_return Flow::answered;
  }
};

void BM_Pipeline(benchmark::State& state) {
  Settings settings = load_settings({{"GATEHOUSE_ROUTE_API_PATH", "/"}, {"GATEHOUSE_ROUTE_API_UPSTREAM", "http://127.0.0.1:9"}}, 1);
  LogWriter log(::open("/dev/null", O_WRONLY));
  ssl::context tls(ssl::context::tls_client);
  SharedState shared{settings, RouteTable(settings.routes), log, nullptr, tls};
  Worker worker(0, shared);
  Pipeline p;
  for (const auto& factory : default_stage_factories()) {
    if (factory->name() == "upstream") continue;
    p.add(factory->create(worker.services()));
  }
  for (int i = 0; i < state.range(0); ++i) p.add(std::make_unique<InactiveStage>());
  p.add(std::make_unique<AnsweringStage>());
  auto& io = worker.io();
  for (auto _ : state) {
    RequestHead request{http::verb::get, "/api/bookings/123", 11};
    request.set(http::field::host, "api.example.com");
    TextBody body;
    RequestInfo info;
    info.target = "/api/bookings/123";
    ResponseHead response;
    Exchange ex(worker, request, response, body, info);
    ex.peer_address = "127.0.0.1";
    asio::co_spawn(io, p.run(ex), asio::detached);
    io.restart();
    io.run();
    p.complete(ex, Outcome{});
    benchmark::DoNotOptimize(ex.response.result_int());
  }
}

}  // namespace

BENCHMARK(BM_Pipeline)->Arg(0)->Arg(3)->ArgName("inactive_stages");

// ---- Idempotency: what a keyed PUT costs the CPU besides its I/O --------
#include "../src/stages/idempotency/idempotency_key.hpp"
#include "../src/stages/idempotency/memory_store.hpp"

namespace {
using gatehouse::idempotency::Finish;
using gatehouse::idempotency::KeyState;
using gatehouse::idempotency::MemoryStore;
using gatehouse::idempotency::Millis;

// A store at its byte bound, as a replica is after a day of keys: every claim
// is a new key and pushes the oldest out.
MemoryStore& full_store(std::uint64_t bytes, std::uint64_t& n) {
  static MemoryStore store(bytes);
  const std::string fp(64, 'f'), bh(64, 'b'), response(180, 'r');
  while (store.evictions() == 0) {
    std::string key = gatehouse::idempotency::scoped_key("api", "", "warm-" + std::to_string(n++));
    store.claim_now(key, "0123456789abcdef0123456789abcdef", fp, Millis(86400000), Millis(86400000));
    store.finish_now(key, "0123456789abcdef0123456789abcdef", Finish{KeyState::done, bh, response}, Millis(86400000));
  }
  return store;
}
}  // namespace

static void BM_IdempotencyMemoryStore(benchmark::State& state) {
  std::uint64_t n = 0;
  MemoryStore& store = full_store(64ull << 20, n);
  const std::string fp(64, 'f'), bh(64, 'b'), response(180, 'r');
  std::vector<std::string> keys;
  for (int i = 0; i < 4096; ++i) keys.push_back(gatehouse::idempotency::scoped_key("api", "", "run-" + std::to_string(n++)));
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == keys.size()) {
      state.PauseTiming();
      for (auto& k : keys) k = gatehouse::idempotency::scoped_key("api", "", "run-" + std::to_string(n++));
      i = 0;
      state.ResumeTiming();
    }
    const std::string& key = keys[i++];
    benchmark::DoNotOptimize(store.claim_now(key, "0123456789abcdef0123456789abcdef", fp, Millis(86400000), Millis(86400000)));
    benchmark::DoNotOptimize(store.finish_now(key, "0123456789abcdef0123456789abcdef", Finish{KeyState::done, bh, response}, Millis(86400000)));
  }
}
BENCHMARK(BM_IdempotencyMemoryStore);

static void BM_IdempotencyKeyDigests(benchmark::State& state) {
  std::uint64_t n = 0;
  const std::string body = R"({"status":"confirmed","seats":2})";
  for (auto _ : state) {
    benchmark::DoNotOptimize(gatehouse::idempotency::scoped_key("api", "", "r-1-" + std::to_string(n++)));
    benchmark::DoNotOptimize(gatehouse::idempotency::request_fingerprint("PUT", "api", "/bookings/12", ""));
    gatehouse::idempotency::Sha256 sha;
    sha.update(body);
    benchmark::DoNotOptimize(sha.hex());
  }
}
BENCHMARK(BM_IdempotencyKeyDigests);
