#include "idempotency_stage.hpp"

#include <fmt/format.h>

#include <random>

#include "gatehouse/background_work.hpp"
#include "gatehouse/hex.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/read_body_to_end.hpp"
#include "gatehouse/upstream_call.hpp"
#include "idempotency_config.hpp"
#include "idempotency_key.hpp"
#include "idempotency_metrics.hpp"
#include "lease_keeper.hpp"
#include "memory_store.hpp"
#include "redis_store.hpp"
#include "replay.hpp"

namespace gatehouse {
namespace {

using namespace idempotency;
using Clock = std::chrono::steady_clock;

// What one keyed request keeps between its hooks.
struct IdemState final : StageState {
  std::size_t route = 0;
  std::string key, lease, fingerprint;
  bool held = false;                 // this request holds the key's claim
  Sha256 body_sha;                   // of the request body, as it streams upstream
  std::string body_hash;             // set once the whole body went through
  // The response, as the upstream gave it.
  bool from_upstream = false;
  bool release_status = false;       // 408, 425, 429, 503: "try again" is not an outcome to replay
  bool too_large = false;
  bool body_complete = false;
  std::uint64_t limit = 0;
  std::string response;  // the stored blob: encode_replay_head's, then the body as it streams
  std::size_t response_head_size = 0;
  std::shared_ptr<LeaseKeeper> keeper;
  std::optional<ClaimAnswer> first_answer;  // claim_now's, for on_request to act on
  ~IdemState() override {
    if (keeper) keeper->stop();
  }
};

// The request body's SHA-256, taken as the body streams to the upstream.
class BodyHashTap final : public BodyFilter {
 public:
  explicit BodyHashTap(IdemState& s) : state_(s) {}
  std::string_view on_data(std::string_view piece) override {
    state_.body_sha.update(piece);
    return piece;
  }
  std::string_view on_end() override {
    state_.body_hash = state_.body_sha.hex();
    return {};
  }

 private:
  IdemState& state_;
};

// Copies the response body for replay, up to the route's limit.
class ResponseCopyTap final : public BodyFilter {
 public:
  explicit ResponseCopyTap(IdemState& s) : state_(s) {}
  std::string_view on_data(std::string_view piece) override {
    append_capped(state_, piece);
    return piece;
  }
  std::string_view on_end() override {
    state_.body_complete = true;
    return {};
  }
  static void append_capped(IdemState& s, std::string_view piece) {
    if (s.too_large) return;
    if (s.response.size() - s.response_head_size + piece.size() > s.limit) {
      s.too_large = true;
      std::string().swap(s.response);
    } else {
      s.response.append(piece);
    }
  }

 private:
  IdemState& state_;
};

const Problem kMissingKey{400, "/problems/idempotency-key-missing", "Idempotency-Key required", {}};
const Problem kBadKey{400, "/problems/idempotency-key-invalid", "Malformed Idempotency-Key", {}};
const Problem kInUse{409, "/problems/idempotency-key-in-use", "Request with this Idempotency-Key in progress", {}};
const Problem kNotReplayable{409, "/problems/idempotency-response-not-replayable", "Response too large to replay", {}};
const Problem kOutcomeUnknown{409, "/problems/idempotency-outcome-unknown", "Outcome of the keyed request unknown", {}};
const Problem kMismatch{422, "/problems/idempotency-key-reused", "Idempotency-Key reused for another request", {}};
const Problem kUnavailable{503, "/problems/idempotency-store-unavailable", "Idempotency store unavailable", {}};

bool retry_status(int status) { return status == 408 || status == 425 || status == 429 || status == 503; }

class IdempotencyStage final : public Stage {
 public:
  IdempotencyStage(StageServices& services, std::shared_ptr<const IdempotencyConfig> config, std::shared_ptr<IdempotencyStore> store,
                   std::shared_ptr<IdempotencyMetrics> metrics)
      : services_(services), config_(std::move(config)), store_(std::move(store)), metrics_(std::move(metrics)),
        random_(std::random_device{}()) {}

  std::string_view name() const override { return "idempotency"; }
  // A factory never configured (a test's pipeline) has no route rows: inactive.
  bool active_for(const Route& route) const override {
    std::size_t i = route_index(route);
    return i < config_->routes.size() && config_->routes[i].mode != Mode::off;
  }
  bool has_response_head_hook() const override { return true; }

  std::optional<Flow> on_request_now(Exchange& ex) override {
    std::size_t route = route_index(*ex.route);
    const RouteIdempotencyConfig& rc = config_->routes[route];
    if (!rc.protects(ex.request.method())) return Flow::next;  // GET, HEAD, OPTIONS ignore the header
    KeyRead k = read_idempotency_key(ex.request);
    if (k.problem == KeyRead::Problem::missing) {
      if (rc.mode != Mode::required) return Flow::next;
      answer_problem(ex, route, kMissingKey,
                     fmt::format("{} on this route needs an Idempotency-Key header: a unique value (a UUID) per operation, the same on every retry",
                                 ex.request.method_string()),
                     "rejected");
      return Flow::answered;
    }
    if (k.problem != KeyRead::Problem::none) {
      answer_problem(ex, route, kBadKey, k.detail, "rejected");
      return Flow::answered;
    }
    IdemState& s = ex.emplace_state<IdemState>(*this);
    s.route = route;
    std::string_view caller = config_->caller_header.empty() ? std::string_view() : trim(ex.request[config_->caller_header]);
    s.key = scoped_key(ex.route->name, caller, k.key);
    s.fingerprint = request_fingerprint(ex.request.method_string(), ex.route->name, ex.target.path, ex.target.query);
    s.lease = new_lease();
    s.limit = rc.max_response_bytes;
    // A store in memory answers now; most requests then need no coroutine.
    if (auto a = store_->claim_now(s.key, s.lease, s.fingerprint, lease_for(rc), rc.retention)) {
      metrics_->store_call(StoreOp::claim, a->kind != ClaimAnswer::Kind::failed);
      if (auto flow = decide(ex, s, *a)) return flow;
      s.first_answer = std::move(*a);
    }
    return std::nullopt;  // on_request asks the store, or waits, or reads the body to replay
  }

  Awaitable<Flow> on_request(Exchange& ex) override {
    IdemState& s = *ex.state<IdemState>(*this);
    const RouteIdempotencyConfig& rc = config_->routes[s.route];
    auto waited_until = Clock::now() + config_->wait;
    auto pause = std::chrono::milliseconds(25);
    while (true) {
      ClaimAnswer a;
      if (s.first_answer) {
        a = std::move(*s.first_answer);
        s.first_answer.reset();
      } else {
        auto started = Clock::now();
        a = co_await store_->claim(s.key, s.lease, s.fingerprint, lease_for(rc), rc.retention);
        metrics_->store_call(StoreOp::claim, a.kind != ClaimAnswer::Kind::failed, Clock::now() - started);
        if (auto flow = decide(ex, s, a)) co_return *flow;
      }
      if (a.state == KeyState::done) co_return co_await replay(ex, s, a);
      // In flight: the first request is still at work; wait for its answer a while.
      if (Clock::now() + pause > waited_until) {
        answer_problem(ex, s.route, kInUse, "a request with this Idempotency-Key is still in progress; retry after it completes", "conflict");
        ex.response.set(http::field::retry_after, "1");
        co_return Flow::answered;
      }
      asio::steady_timer timer(services_.io, pause);
      auto [ec] = co_await timer.async_wait(use_nothrow);
      if (ec) waited_until = Clock::now();  // cancelled (the worker is stopping): answer now
      pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
  }

  bool on_response_head_now(Exchange& ex) override {
    IdemState* s = ex.state<IdemState>(*this);
    if (!s || !s->held) return true;
    s->from_upstream = ex.response_body_as<UpstreamCall>() != nullptr;
    if (!s->from_upstream) return true;
    int status = ex.response.result_int();
    if (retry_status(status)) {
      s->release_status = true;
      return true;
    }
    s->response = encode_replay_head(ex.response);
    s->response_head_size = s->response.size();
    ex.add_response_filter(*this, std::make_unique<ResponseCopyTap>(*s));
    return true;
  }

  void on_worker_stop() noexcept override { store_->close(); }

  void on_complete(Exchange& ex, const Outcome& outcome) noexcept override {
    IdemState* s = ex.state<IdemState>(*this);
    if (!s) return;
    if (!s->held) {
      metrics_->outcome(s->route, ex.info.idem);
      return;
    }
    if (outcome.ending == Outcome::Ending::shutdown) {
      // No I/O now: the lease runs out, and the key reads "outcome unknown".
      metrics_->outcome(s->route, "unknown");
      return;
    }
    std::unique_ptr<BodySource> rest;
    std::optional<Finish> finish;
    if (s->from_upstream && s->release_status) {
      ex.info.idem = "released";
    } else if (s->from_upstream && (s->body_complete || s->too_large || outcome.ending == Outcome::Ending::delivered)) {
      bool kept = !s->too_large;
      // Moved: the state has no later use for them.
      finish = Finish{kept ? KeyState::done : KeyState::not_replayable, std::move(s->body_hash), kept ? std::move(s->response) : std::string()};
    } else if (s->from_upstream && outcome.ending == Outcome::Ending::client_gone) {
      // The upstream has acted: read its answer to the end, and record it.
      rest = ex.take_response_body();
    } else if (!ex.request_started) {
      ex.info.idem = "released";  // it never reached the upstream
    } else {
      ex.info.idem = "unknown";
      finish = Finish{KeyState::unknown, s->body_hash, {}};
    }
    metrics_->outcome(s->route, ex.info.idem);
    if (!rest && settle_now(*s, finish)) return;
    std::string key = s->key, lease = s->lease;
    std::size_t route = s->route;
    // Recorded in the background (the client has its answer): a drain lets it finish.
    bool spawned = services_.background.spawn("idempotency_outcome",
                                              record(ex.take_state<IdemState>(*this), std::move(rest), std::move(finish)),
                                              BackgroundWork::AtDrain::finish);
    if (!spawned) {
      // A Redis claim's lease runs out and reads 'outcome unknown'; a claim
      // in memory is not renewed and does not run out: say so now.
      store_->finish_now(key, lease, Finish{KeyState::unknown, {}, {}}, config_->routes[route].retention);
      ops_log().warn("idempotency: background work is full; a key's outcome is recorded as unknown");
    }
  }

 private:
  std::size_t route_index(const Route& route) const { return static_cast<std::size_t>(&route - services_.settings.routes.data()); }

  std::string new_lease() {
    std::array<std::uint64_t, 2> bits{random_(), random_()};
    return hex_lower(std::span(reinterpret_cast<const unsigned char*>(bits.data()), sizeof bits));
  }

  void answer_problem(Exchange& ex, std::size_t route, Problem p, std::string detail, std::string_view outcome) {
    ex.info.code = p.status == 503 ? ErrorCode::store_unavailable : ErrorCode::idempotency;
    ex.info.detail = detail;
    ex.info.idem = outcome;
    p.detail = std::move(detail);
    ex.answer(static_cast<http::status>(p.status), problem_body(p, ex.target.path, ex.info.request_id), "application/problem+json");
    if (!ex.state<IdemState>(*this)) metrics_->outcome(route, outcome);  // else counted at completion
  }

  Flow mismatch(Exchange& ex, IdemState& s) {
    answer_problem(ex, s.route, kMismatch,
                   "this Idempotency-Key was first used with a different request (method, path, query or body); use a new key for a new request",
                   "mismatch");
    return Flow::answered;
  }

  Flow store_failed(Exchange& ex, IdemState& s, const std::string& why) {
    if (config_->on_store_error == OnStoreError::fail_open) {
      ops_log().warn("idempotency store unavailable ({}); forwarding {} {} unprotected (GATEHOUSE_IDEMPOTENCY_ON_STORE_ERROR=open)", why,
                     ex.request.method_string(), ex.target.path);
      ex.info.idem = "unprotected";
      return Flow::next;
    }
    answer_problem(ex, s.route, kUnavailable, "the idempotency store did not answer (" + why + "); retry shortly", "unavailable");
    ex.response.set(http::field::retry_after, "1");
    return Flow::answered;
  }

  // The answer to a claim when it needs no waiting: go on (claimed), or an
  // answer. nullopt when the request must wait (the key is in flight) or
  // read its body first (a replay of a request that had one).
  std::optional<Flow> decide(Exchange& ex, IdemState& s, const ClaimAnswer& a) {
    if (a.kind == ClaimAnswer::Kind::failed) return store_failed(ex, s, a.failure);
    if (a.kind == ClaimAnswer::Kind::claimed) {
      s.held = true;
      ex.info.idem = "claimed";
      if (ex.request_framing.has_body) ex.add_request_filter(*this, std::make_unique<BodyHashTap>(s));
      else s.body_hash = empty_body_hash();
      if (!store_->shares_fate_with_holders()) keep_lease(s);
      return Flow::next;
    }
    if (a.fingerprint != s.fingerprint) return mismatch(ex, s);
    switch (a.state) {
      case KeyState::in_flight: return std::nullopt;
      case KeyState::done:
        if (ex.request_framing.has_body) return std::nullopt;
        return replay_if_same_body(ex, s, a, empty_body_hash());
      case KeyState::not_replayable:
        answer_problem(ex, s.route, kNotReplayable,
                       "the request with this Idempotency-Key ran, but its response was too large to keep for replay; it is not run again",
                       "conflict");
        return Flow::answered;
      case KeyState::unknown:
        answer_problem(ex, s.route, kOutcomeUnknown,
                       "the request with this Idempotency-Key reached the upstream, but its outcome was lost (timeout, reset or a "
                       "gateway restart); it is not run again: check the resource's state, then retry with a new key",
                       "unknown");
        return Flow::answered;
    }
    return std::nullopt;
  }

  static const std::string& empty_body_hash() {
    static const std::string hash = sha256_hex("");
    return hash;
  }

  // A claim lasts its lease, renewed while the upstream works; in a store
  // that dies with its holders, for the key's retention (nothing renews it).
  Millis lease_for(const RouteIdempotencyConfig& rc) const { return store_->shares_fate_with_holders() ? rc.retention : config_->lease; }

  // A finished request's answer, again: a retry with a body has it read and
  // hashed first, so that one with another body is told so (422) rather
  // than answered.
  Awaitable<Flow> replay(Exchange& ex, IdemState& s, const ClaimAnswer& a) {
    Sha256 sha;
    BodyDrained read = co_await read_body_to_end(ex.request_body(), [&](std::string_view piece) {
      sha.update(piece);
      return true;
    });
    if (read.end == BodyDrained::End::failed) {
      const BodyRead& r = read.failure;
      ex.close_connection = true;
      if (r.failure == ErrorCode::client_closed) {
        ex.info.code = r.failure;
        ex.info.detail = r.detail;
      } else {
        ex.answer_problem(r.failure, r.detail);
      }
      co_return Flow::answered;
    }
    co_return replay_if_same_body(ex, s, a, sha.hex());
  }

  Flow replay_if_same_body(Exchange& ex, IdemState& s, const ClaimAnswer& a, const std::string& body_hash) {
    if (body_hash != a.body_hash) return mismatch(ex, s);
    auto stored = decode_response(a.response);
    if (!stored) {
      answer_problem(ex, s.route, kOutcomeUnknown, "the stored response for this Idempotency-Key cannot be read; it is not run again", "unknown");
      return Flow::answered;
    }
    answer_replay(ex, *stored);
    ex.info.idem = "replayed";
    return Flow::answered;
  }

  // Records the outcome at once where the store answers at once (in memory).
  bool settle_now(IdemState& s, std::optional<Finish>& finish) {
    if (s.keeper) s.keeper->stop();
    const RouteIdempotencyConfig& rc = config_->routes[s.route];
    if (finish) {
      auto a = store_->finish_now(s.key, s.lease, std::move(*finish), rc.retention);
      if (!a) return false;
      metrics_->store_call(StoreOp::finish, a->ok);
      return true;
    }
    auto a = store_->release_now(s.key, s.lease);
    if (!a) return false;
    metrics_->store_call(StoreOp::release, a->ok);
    return true;
  }

  // Keeps the claim's lease alive while the upstream works.
  void keep_lease(IdemState& s) {
    s.keeper = std::make_shared<LeaseKeeper>(services_.io);
    services_.background.spawn("idempotency_lease", renew_loop(s.keeper, s.key, s.lease), BackgroundWork::AtDrain::finish);
  }

  Awaitable<void> renew_loop(std::shared_ptr<LeaseKeeper> keeper, std::string key, std::string lease) {
    auto every = std::max(config_->lease / 3, Millis(10));
    while (co_await keeper->wait(every)) {
      auto started = Clock::now();
      ChangeAnswer a = co_await store_->renew(key, lease, config_->lease);
      metrics_->store_call(StoreOp::renew, a.ok, Clock::now() - started);
      if (a.ok && !a.held) {
        ops_log().warn("idempotency: the lease of a key in flight was lost (it ran out); its outcome will read 'unknown'");
        break;
      }
    }
  }

  // Records how a claimed request ended: reads the rest of an abandoned
  // response first, then finishes or releases the key.
  Awaitable<void> record(std::unique_ptr<IdemState> s, std::unique_ptr<BodySource> rest, std::optional<Finish> finish) {
    if (rest) {
      BodyDrained read = co_await read_body_to_end(*rest, [&](std::string_view piece) {
        ResponseCopyTap::append_capped(*s, piece);
        return !s->too_large;
      });
      bool whole = read.end == BodyDrained::End::whole;
      rest.reset();
      if (s->too_large) finish = Finish{KeyState::not_replayable, s->body_hash, {}};
      else if (whole) finish = Finish{KeyState::done, s->body_hash, std::move(s->response)};
      else finish = Finish{KeyState::unknown, s->body_hash, {}};
    }
    if (s->keeper) s->keeper->stop();
    const RouteIdempotencyConfig& rc = config_->routes[s->route];
    auto started = Clock::now();
    if (finish) {
      ChangeAnswer a = co_await store_->finish(s->key, s->lease, *finish, rc.retention);
      metrics_->store_call(StoreOp::finish, a.ok, Clock::now() - started);
      if (!a.ok) ops_log().warn("idempotency: recording a key's outcome failed ({}); it will read 'outcome unknown'", a.failure);
      else if (!a.held) ops_log().warn("idempotency: a key's outcome was not recorded: its lease had been lost");
    } else {
      ChangeAnswer a = co_await store_->release(s->key, s->lease);
      metrics_->store_call(StoreOp::release, a.ok, Clock::now() - started);
      if (!a.ok) ops_log().warn("idempotency: releasing a key failed ({}); it will read 'outcome unknown' until its retention ends", a.failure);
    }
  }

  StageServices& services_;
  std::shared_ptr<const IdempotencyConfig> config_;
  std::shared_ptr<IdempotencyStore> store_;
  std::shared_ptr<IdempotencyMetrics> metrics_;
  std::mt19937_64 random_;
};

class IdempotencyFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "idempotency"; }
  std::span<const SettingInfo> global_settings() const override { return global_docs_; }
  std::span<const SettingInfo> route_settings() const override { return route_docs_; }
  void configure(const EnvMap& env, const Settings& core) override {
    auto config = std::make_shared<IdempotencyConfig>(load_idempotency_config(env, core));
    if (config->store == StoreKind::redis) tls_ = redis_tls_for(config->redis);
    memory_ = std::make_shared<MemoryStore>(config->memory_max_bytes);
    metrics_ = std::make_shared<IdempotencyMetrics>(config->routes.size());
    config_ = std::move(config);
  }
  std::unique_ptr<Stage> create(StageServices& services) const override {
    std::shared_ptr<IdempotencyStore> store = memory_;
    // Redis connections belong to a worker (its thread, its event loop).
    if (config_->store == StoreKind::redis)
      store = std::make_shared<RedisStore>(std::make_unique<RedisClient>(services.io.get_executor(), redis_options_for(config_->redis), tls_.get()));
    return std::make_unique<IdempotencyStage>(services, config_, std::move(store), metrics_);
  }
  std::vector<StageMetricFamily> metric_families(std::span<const std::string> route_names) const override {
    bool memory = config_->store == StoreKind::memory;
    return metrics_->families(route_names, memory ? "memory" : "redis", memory ? static_cast<std::int64_t>(memory_->bytes()) : -1);
  }

 private:
  std::vector<SettingInfo> global_docs_ = docs_of(idempotency_rows());
  std::vector<SettingInfo> route_docs_ = docs_of(route_idempotency_rows());
  std::shared_ptr<const IdempotencyConfig> config_ = std::make_shared<IdempotencyConfig>();
  std::shared_ptr<MemoryStore> memory_ = std::make_shared<MemoryStore>(64ull << 20);
  std::shared_ptr<IdempotencyMetrics> metrics_ = std::make_shared<IdempotencyMetrics>(0);
  std::shared_ptr<ssl::context> tls_;
};

}  // namespace

std::unique_ptr<StageFactory> idempotency_stage_factory() { return std::make_unique<IdempotencyFactory>(); }

}  // namespace gatehouse
