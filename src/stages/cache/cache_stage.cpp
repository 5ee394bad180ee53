#include "cache_stage.hpp"

#include <fmt/format.h>

#include <ctime>
#include <functional>

#include "cache_config.hpp"
#include "cache_control.hpp"
#include "cache_key.hpp"
#include "cache_metrics.hpp"
#include "cache_policy.hpp"
#include "cache_purge.hpp"
#include "cache_store.hpp"
#include "collapser.hpp"
#include "redis_cache.hpp"
#include "gatehouse/background_work.hpp"
#include "gatehouse/clock.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/http_date.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/read_body_to_end.hpp"
#include "gatehouse/request_target.hpp"
#include "gatehouse/upstream_client.hpp"
#include "gatehouse/values.hpp"
#include "stored_body.hpp"

namespace gatehouse {
namespace {

using namespace cache;

// What one exchange of a cached route keeps between its hooks.
struct CacheState final : StageState {
  std::string key;
  StoredPtr candidate;        // the stale entry being revalidated
  std::time_t request_time = 0;
  std::string_view result = "miss";  // cache= in the access line
  std::string_view added_conditional;  // the validator field the cache put on the request, if any
  bool storing = false;       // the response is being copied for the store
  bool look_in_redis = false; // not in this replica's store: on_request asks the shared one
  std::vector<std::string> forget_shared;  // keys an unsafe request invalidates, for on_response_head
  std::size_t route = 0;
  Fields vary_source;         // the request's fields as looked up, before any stage edited them (misses only)
  bool too_large = false;
  std::string body;
  std::shared_ptr<StoredResponse> pending;  // the entry being built
  std::vector<std::string> tags;             // the response's, for purges
  // A miss either leads its key (others wait for it) or waits for the leader.
  // Declared last: the lead is given up (waking the waiters) after the rest goes.
  std::shared_ptr<Collapser::Waiter> waiter;
  Collapser::Lead lead;
};

// Copies a response body for the store as it streams to the client, up to
// the entry size limit (past it the copy is dropped and the body streams on).
class StoreTap final : public BodyFilter {
 public:
  // `expected`: the body's Content-Length, when known. The entry is stored
  // as the body's last piece passes, before it is written to the client, so
  // that a client that asks again at once finds it (else at the body's end).
  StoreTap(CacheState& state, std::uint64_t limit, std::optional<std::uint64_t> expected, std::function<void(CacheState&)> finish)
      : state_(state), limit_(limit), expected_(expected), finish_(std::move(finish)) {}

  std::string_view on_data(std::string_view piece) override {
    if (!state_.too_large) {
      if (state_.body.size() + piece.size() > limit_) {
        state_.too_large = true;
        std::string().swap(state_.body);
      } else {
        state_.body.append(piece);
        if (expected_ && state_.body.size() == *expected_) finish();
      }
    }
    return piece;
  }
  std::string_view on_end() override {
    finish();
    return {};
  }

 private:
  void finish() {
    if (!finished_) finish_(state_);
    finished_ = true;
  }

  CacheState& state_;
  std::uint64_t limit_;
  std::optional<std::uint64_t> expected_;
  std::function<void(CacheState&)> finish_;
  bool finished_ = false;
};

// Fields a cache never stores (RFC 9111 §3.1): hop-by-hop ones, those the
// response's Connection names, the framing (the gateway frames what it
// sends), Age, and those private="..." names for this shared cache.
Fields storable_fields(const ResponseHead& response, const CacheControl& cc) {
  Fields f;
  for (auto field : response) f.insert(field.name, field.value);
  strip_hop_by_hop(f);
  f.erase_if([&](const Fields::Field& field) {
    // Age is the cache's to compute when it serves (the upstream's counts through initial_age).
    if (iequals_ascii(field.name, "content-length") || iequals_ascii(field.name, "x-request-id") || iequals_ascii(field.name, "age"))
      return true;
    return std::any_of(cc.private_fields.begin(), cc.private_fields.end(), [&](const std::string& n) { return iequals_ascii(n, field.name); });
  });
  return f;
}

// A 304's fields replace the stored ones of the same name (RFC 9111 §3.2),
// but for the framing and the fields never stored.
std::shared_ptr<StoredResponse> updated(const StoredResponse& old, const ResponseHead& not_modified, std::time_t request_time,
                                        std::time_t response_time, const PolicySettings& policy) {
  auto e = std::make_shared<StoredResponse>(old);
  CacheControl fresh_cc = parse_cache_control(not_modified);
  Fields incoming = storable_fields(not_modified, fresh_cc);
  for (auto field : incoming) e->headers.erase(field.name);
  for (auto field : incoming) e->headers.insert(field.name, field.value);
  e->cc = parse_cache_control(e->headers);
  e->request_time = request_time;
  e->response_time = response_time;
  e->initial_age = initial_age(not_modified, request_time, response_time);  // the 304's own Age and Date
  e->lifetime = freshness_lifetime(static_cast<int>(e->status), e->headers, e->cc, response_time, policy);
  return e;
}

// An entry for `res`, the response to `request`, without its body yet.
std::shared_ptr<StoredResponse> new_entry(const std::string& key, const Fields& request, const ResponseHead& res, const CacheControl& res_cc,
                                          std::time_t request_time, std::time_t response_time, const PolicySettings& policy) {
  auto entry = std::make_shared<StoredResponse>();
  entry->key = key;
  for (const std::string& name : vary_names(res)) entry->vary.emplace_back(name, vary_value(request, name));
  entry->status = res.result_int();
  entry->reason = std::string(res.reason());
  entry->headers = storable_fields(res, res_cc);
  entry->request_time = request_time;
  entry->response_time = response_time;
  entry->initial_age = initial_age(res, request_time, response_time);
  entry->lifetime = freshness_lifetime(static_cast<int>(entry->status), res, res_cc, response_time, policy);
  entry->cc = res_cc;
  return entry;
}

std::string_view strip_weak(std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; }

// Whether a client's conditional request is answered 304 by `e` (RFC 9110
// §13.1.2, §13.1.3): If-None-Match by weak comparison, else If-Modified-Since.
bool not_modified_for(const Fields& request, const StoredResponse& e) {
  if (request.contains("If-None-Match")) {
    std::string_view etag = strip_weak(trim(e.headers["ETag"]));
    if (etag.empty()) return false;
    bool match = false;
    request.for_each_value("If-None-Match", [&](std::string_view v) {
      for_each_list_item(v, [&](std::string_view tag) {
        match = match || tag == "*" || strip_weak(tag) == etag;
        return true;
      });
    });
    return match;
  }
  auto since = parse_http_date(trim(request["If-Modified-Since"]));
  auto modified = parse_http_date(trim(e.headers["Last-Modified"]));
  return since && modified && *modified <= *since;
}

// Tags separated by commas (Cache-Tag) or spaces (Surrogate-Key).
void read_tags(std::string_view value, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ',' || value[i] == ' ' || value[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < value.size() && value[i] != ',' && value[i] != ' ' && value[i] != '\t') ++i;
    if (i > start) out.emplace_back(value.substr(start, i - start));
  }
}

// Moves the upstream's tags (the tag header) into `out`: they are for purges, never for clients.
void take_tags(Fields& response, std::string_view header, std::vector<std::string>& out) {
  if (!response.contains(header)) return;
  response.for_each_value(header, [&](std::string_view v) { read_tags(v, out); });
  response.erase(header);
}

// Asks about `e` on `request`: If-None-Match with its ETag, else
// If-Modified-Since with its Last-Modified. Returns the field set, or "".
std::string_view add_validator(Fields& request, const StoredResponse& e) {
  if (auto etag = e.headers["ETag"]; !etag.empty()) {
    request.set("If-None-Match", etag);
    return "If-None-Match";
  }
  if (auto modified = e.headers["Last-Modified"]; !modified.empty()) {
    request.set("If-Modified-Since", modified);
    return "If-Modified-Since";
  }
  return {};
}

// The Host the client asked for (the request's, else the target's authority), as keys use it.
std::string_view client_host(const Exchange& ex) { return ex.info.host == "-" ? std::string_view(ex.host) : ex.info.host; }

bool is_unsafe(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "TRACE"; }

// Pragma: no-cache on the request (RFC 9111 §5.4; counts without a Cache-Control).
bool has_pragma_no_cache(const Fields& request) {
  bool found = false;
  request.for_each_value("Pragma", [&](std::string_view v) {
    for_each_list_item(v, [&](std::string_view d) {
      found = found || iequals_ascii(d, "no-cache");
      return true;
    });
  });
  return found;
}

class CacheStage final : public Stage {
 public:
  // `redis`: the worker's client for the shared backend (GATEHOUSE_CACHE_STORE=redis), else null.
  CacheStage(StageServices& services, std::shared_ptr<const CacheConfig> config, std::shared_ptr<CacheStore> store,
             std::shared_ptr<Collapser> collapser, std::shared_ptr<CacheMetrics> metrics, std::unique_ptr<RedisClient> redis)
      : services_(services),
        config_(std::move(config)),
        store_(std::move(store)),
        collapser_(std::move(collapser)),
        metrics_(std::move(metrics)),
        redis_client_(std::move(redis)) {
    if (redis_client_)
      redis_ = std::make_unique<RedisCache>(*redis_client_, static_cast<std::size_t>(config_->max_variants), &metrics_->redis_failures());
    for (const auto& r : config_->routes)
      longest_grace_ = std::max<std::int64_t>(longest_grace_, std::chrono::duration_cast<std::chrono::seconds>(r.stale_on_error).count());
  }

  void on_worker_stop() noexcept override {
    if (redis_client_) redis_client_->close();
  }
  std::string_view name() const override { return "cache"; }

  bool active_for(const Route& route) const override { return route_config(route).enabled; }

  // Decided without waiting: a hit is answered here, a miss goes on.
  std::optional<Flow> on_request_now(Exchange& ex) override {
    std::string_view method = ex.request.method_string();
    auto& state = ex.emplace_state<CacheState>(*this);
    state.key = primary_key(ex.client_tls, client_host(ex), ex.target.path_and_query());
    if (method != "GET" && method != "HEAD") {
      state.result = "-";
      return Flow::next;
    }
    // A body on a GET is forwarded, never skipped to serve a hit: the
    // connection must not be reused with its bytes unread. A WebSocket
    // upgrade asks for a connection, not a representation: never a hit,
    // never joined to another request's miss.
    if (ex.request_framing.has_body || ex.websocket_upgrade) {
      state.result = "bypass";
      return Flow::next;
    }
    state.request_time = now();
    CacheControl req_cc = parse_cache_control(ex.request);
    bool pragma_no_cache = has_pragma_no_cache(ex.request);
    StoredPtr entry = store_->find(state.key, [&](const std::string& name) { return vary_value(ex.request, name); });
    if (entry) return use_stored(ex, state, entry, req_cc, pragma_no_cache);
    if (redis_) {
      state.look_in_redis = true;  // one round trip, in on_request
      return std::nullopt;
    }
    return after_miss(ex, state, req_cc, pragma_no_cache);
  }

  // A stored response for the request: answered from it, or revalidated.
  Flow use_stored(Exchange& ex, CacheState& state, const StoredPtr& entry, const CacheControl& req_cc, bool pragma_no_cache) {
    std::int64_t age = current_age(entry->initial_age, entry->response_time, state.request_time);
    Use use = decide(req_cc, pragma_no_cache, entry->cc, entry->lifetime, age);
    if (use == Use::stale_while_revalidate && start_refresh(ex, entry)) {
      state.result = "stale";
      serve(ex, entry, age, fmt::format("Gatehouse; hit; ttl={}; detail=\"stale-while-revalidate\"", entry->lifetime - age));
      return Flow::answered;
    }
    if (use == Use::fresh || use == Use::stale_by_request) {
      state.result = use == Use::fresh ? "hit" : "stale";
      // RFC 9211: a stale hit has a negative ttl.
      serve(ex, entry, age, fmt::format("Gatehouse; hit; ttl={}", entry->lifetime - age));
      return Flow::answered;
    }
    if (req_cc.only_if_cached) return not_in_cache(ex, state);
    state.candidate = entry;
    state.result = "revalidated";
    state.vary_source = ex.request;
    // The cache's own conditional, unless the client sent one of its own.
    if (!ex.request.contains("If-None-Match") && !ex.request.contains("If-Modified-Since"))
      state.added_conditional = add_validator(ex.request, *entry);
    return Flow::next;
  }

  // Nothing stored fits: go upstream, leading the key, or wait for its
  // leader (nullopt: on_request waits).
  std::optional<Flow> after_miss(Exchange& ex, CacheState& state, const CacheControl& req_cc, bool pragma_no_cache) {
    std::string_view method = ex.request.method_string();
    if (req_cc.only_if_cached) return not_in_cache(ex, state);
    state.vary_source = ex.request;
    // A HEAD is never stored: it does not lead (GETs would wait for nothing), nor wait.
    if (method == "HEAD" || config_->collapse_wait.count() == 0 || req_cc.no_cache || pragma_no_cache) return Flow::next;
    if (collapser_->is_uncacheable(state.key, coarse_now())) return Flow::next;
    // Most misses lead: they need no waiter (nor its timer).
    state.lead = collapser_->try_lead(state.key);
    if (state.lead) return Flow::next;
    auto waiter = std::make_shared<Collapser::Waiter>(services_.io.get_executor());
    state.lead = collapser_->lead_or_wait(state.key, waiter);  // the leader may have finished meanwhile
    if (state.lead) return Flow::next;
    state.waiter = std::move(waiter);
    return std::nullopt;  // another request for this key is upstream: wait for it in on_request
  }

  // A collapsed miss: waits (bounded) for the leader, then looks again. A
  // leader whose response could not be stored wakes its waiters at once, and
  // they go upstream together.
  Awaitable<Flow> on_request(Exchange& ex) override {
    auto* state = ex.state<CacheState>(*this);
    if (state->look_in_redis) {
      state->look_in_redis = false;
      CacheControl req_cc = parse_cache_control(ex.request);
      bool pragma_no_cache = has_pragma_no_cache(ex.request);
      if (StoredPtr entry = variant_for(co_await redis_->variants(state->key), ex.request))
        co_return use_stored(ex, *state, entry, req_cc, pragma_no_cache);
      if (auto flow = after_miss(ex, *state, req_cc, pragma_no_cache)) co_return *flow;
    }
    std::shared_ptr<Collapser::Waiter> waiter = std::move(state->waiter);
    // Leaves the key's waiters however the wait ends (woken, timed out, or
    // the frame destroyed at shutdown): no wake-up may reach a gone worker.
    struct Leave {
      Collapser& collapser;
      const std::string& key;
      const std::shared_ptr<Collapser::Waiter>& waiter;
      ~Leave() { collapser.leave(key, waiter); }
    } leave{*collapser_, state->key, waiter};
    waiter->timer.expires_after(config_->collapse_wait);
    co_await waiter->timer.async_wait(use_nothrow);
    StoredPtr entry = store_->find(state->key, [&](const std::string& name) { return vary_value(ex.request, name); });
    if (!entry && redis_) entry = variant_for(co_await redis_->variants(state->key), ex.request);
    if (entry) {
      std::time_t now_time = now();
      std::int64_t age = current_age(entry->initial_age, entry->response_time, now_time);
      if (decide(parse_cache_control(ex.request), false, entry->cc, entry->lifetime, age) == Use::fresh) {
        state->result = "collapsed";
        serve(ex, entry, age, fmt::format("Gatehouse; hit; ttl={}; collapsed", entry->lifetime - age));
        co_return Flow::answered;
      }
    }
    co_return Flow::next;
  }

  bool has_response_head_hook() const override { return true; }
  bool on_response_head_now(Exchange& ex) override {
    auto* state = ex.state<CacheState>(*this);
    if (!state) return true;
    // Whatever became of the lookup, the tags never reach the client.
    take_tags(ex.response, config_->tag_header, state->tags);
    // RFC 9111 §4.4: a non-error answer to an unsafe method (any method but
    // GET, HEAD, OPTIONS and TRACE) invalidates as soon as it arrives: before
    // its client can ask again, and whether or not that client stays.
    unsigned status = ex.response.result_int();
    if (is_unsafe(ex.request.method_string())) {
      if (!ex.request_sent || status < 200 || status >= 400) return true;
      std::vector<std::string> keys = invalidated_keys(ex, *state);
      for (const std::string& key : keys) store_->erase(key);
      if (!redis_) return true;
      state->forget_shared = std::move(keys);
      return false;  // on_response_head deletes them from Redis before the client has its answer
    }
    if (state->result == "-" || state->result == "bypass" || state->result == "hit" || state->result == "stale" ||
        state->result == "only-if-cached" || state->result == "collapsed")
      return true;
    std::time_t response_time = now();
    if (state->candidate && status == 304) return on_not_modified(ex, *state, response_time);
    if (state->candidate && status >= 500 && serve_stale_on_error(ex, *state, response_time)) return true;
    if (state->candidate) state->result = "miss";  // the upstream sent a new response
    start_storing(ex, *state, response_time);
    return true;
  }

  // A shared store's invalidation completes before the client has its
  // answer: a client that asks again, through any replica, finds the URL gone.
  Awaitable<void> on_response_head(Exchange& ex) override {
    auto* state = ex.state<CacheState>(*this);
    std::vector<std::string> keys = std::move(state->forget_shared);
    // Failed (Redis unreachable): tried again in the background, not held against the client.
    if (!co_await redis_->erase(keys)) services_.background.spawn("cache_invalidation", erase_shared(std::move(keys)), BackgroundWork::AtDrain::finish);
  }

  // The response body arrived whole (StoreTap::on_end): stored now, before
  // the client has read it all, so that a slow client does not keep the
  // waiters of its key waiting.
  void finish_storing(CacheState& state) noexcept {
    try {
      if (state.storing && !state.too_large) {
        state.pending->body = std::move(state.body);
        keep(std::move(state.pending), state.candidate, std::move(state.lead));
        metrics_->stored(state.route);
      }
    } catch (const std::exception&) {
      // A failed store costs a later miss, nothing more.
    }
    state.storing = false;
    state.lead.done();  // unless keep() took it, to wake the waiters once the entry is in Redis
  }

  void on_complete(Exchange& ex, const Outcome&) noexcept override {
    auto* state = ex.state<CacheState>(*this);
    if (!state) return;
    state->lead.done();  // stored or not, the waiters look again now
    if (state->result != "-") {
      ex.info.cache = state->result;
      metrics_->lookup(route_index(*ex.route), state->result);
    }
  }

 private:
  std::size_t route_index(const Route& route) const { return static_cast<std::size_t>(&route - services_.settings.routes.data()); }
  const RouteCacheConfig& route_config(const Route& route) const {
    static const RouteCacheConfig off;
    auto index = route_index(route);
    return index < config_->routes.size() ? config_->routes[index] : off;
  }
  PolicySettings policy_for(const Route& route) const {
    PolicySettings p;
    p.heuristic_max_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_->heuristic_max).count();
    p.store_set_cookie = config_->store_set_cookie;
    auto ttl = route_config(route).default_ttl;
    if (ttl.count() > 0) p.default_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
    return p;
  }
  static std::time_t now() { return std::time(nullptr); }

  // Answers from `entry`: its status, fields and body, with Age.
  // Nothing of an upstream's answer (a 304's fields, a 5xx's, its body) stays.
  void serve(Exchange& ex, const StoredPtr& entry, std::int64_t age, std::string cache_status) {
    ex.take_response_body();
    ex.response.reset();
    if (not_modified_for(ex.request, *entry) && entry->status == 200) {
      ex.answer(http::status::not_modified, "", "");
      ex.response.erase("Content-Type");
      for (std::string_view name : {"Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary", "Last-Modified"})
        entry->headers.for_each_value(name, [&](std::string_view v) { ex.response.insert(name, v); });
    } else {
      ex.response.result(entry->status);
      ex.response.reason(entry->reason);
      for (auto field : entry->headers) ex.response.insert(field.name, field.value);
      ex.set_response_body(std::make_unique<StoredBody>(entry), entry->body.size());
    }
    ex.response.set("Age", std::to_string(std::max<std::int64_t>(age, 0)));
    ex.response.set("Cache-Status", cache_status);
  }

  // A 304 to a revalidation (RFC 9111 §4.3.3, §4.3.4). It refreshes the
  // candidate only when it validates that very response: the cache's own
  // validator, or the same ETag. Its fields update the stored ones, but a
  // 304 saying no-store or private, or adding Set-Cookie, is not stored: the
  // client at hand is still answered with the validated response (and its
  // own Set-Cookie), and the entry goes.
  bool on_not_modified(Exchange& ex, CacheState& state, std::time_t response_time) {
    const StoredResponse& old = *state.candidate;
    std::string_view etag = strip_weak(trim(ex.response["ETag"]));
    // The cache's own conditional asked about this very response; a
    // client's may have named another (its own copy): then the ETags decide.
    bool validates = !state.added_conditional.empty() || (!etag.empty() && etag == strip_weak(trim(old.headers["ETag"])));
    if (!validates) {
      state.result = "miss";  // the client's own validator: its 304 goes to it as it is
      ex.response.set("Cache-Status", "Gatehouse; fwd=stale; fwd-status=304; detail=\"client validator\"");
      return true;
    }
    PolicySettings policy = policy_for(*ex.route);
    auto fresh = updated(old, ex.response, state.request_time, response_time, policy);
    CacheControl res_cc = parse_cache_control(ex.response);
    CacheControl req_cc = parse_cache_control(state.vary_source);
    bool keep_it = !res_cc.no_store && !res_cc.is_private && !req_cc.no_store &&
                (policy.store_set_cookie || !ex.response.contains("Set-Cookie"));
    std::vector<std::string> cookies;
    ex.response.for_each_value("Set-Cookie", [&](std::string_view c) { cookies.emplace_back(c); });
    if (!policy.store_set_cookie) fresh->headers.erase("Set-Cookie");
    StoredPtr entry = fresh;
    if (keep_it) this->keep(entry, state.candidate, std::move(state.lead));
    else forget(old.key);
    // The client asked unconditionally: it gets the whole stored response.
    if (!state.added_conditional.empty()) ex.request.erase(state.added_conditional);
    serve(ex, entry, current_age(entry->initial_age, entry->response_time, response_time), "Gatehouse; fwd=stale; fwd-status=304");
    if (!policy.store_set_cookie)
      for (const auto& c : cookies) ex.response.insert("Set-Cookie", c);
    state.lead.done();
    return true;
  }

  // The upstream failed (no answer: the upstream stage's 502/504) or answered
  // 5xx: the stale entry answers instead, inside its stale-if-error window or
  // the route's grace (RFC 5861 §4), never where it forbids serving stale.
  bool serve_stale_on_error(Exchange& ex, CacheState& state, std::time_t now_time) {
    const StoredResponse& stale = *state.candidate;
    std::int64_t age = current_age(stale.initial_age, stale.response_time, now_time);
    auto grace = std::chrono::duration_cast<std::chrono::seconds>(route_config(*ex.route).stale_on_error).count();
    if (!may_serve_on_error(stale.cc, stale.lifetime, age, grace)) return false;
    unsigned failed_status = ex.response.result_int();
    if (!state.added_conditional.empty()) ex.request.erase(state.added_conditional);
    state.result = "stale";
    serve(ex, state.candidate, age,
          fmt::format("Gatehouse; fwd=stale; fwd-status={}; detail=\"stale-if-error\"", failed_status));
    return true;
  }

  // What a background refresh owns: its own request head (a copy of the
  // client's), the response head the upstream's is read into, and the lead
  // of the key, so that a burst of stale hits refreshes it once.
  struct Refresh {
    RequestHead request;
    ResponseHead response;
    TextBody no_body;
    const Route* route;
    std::string target;
    StoredPtr entry;
    Collapser::Lead lead;
  };

  // Serves stale-while-revalidate (RFC 5861 §3): starts one background
  // refresh of the entry. False when it cannot start (the key is being
  // fetched already, or background work is full or draining): the request
  // then revalidates in the foreground.
  bool start_refresh(Exchange& ex, const StoredPtr& entry) {
    Collapser::Lead lead = collapser_->try_lead(entry->key);
    if (!lead) return false;
    const Route& route = *ex.route;
    auto job = std::make_unique<Refresh>(Refresh{ex.request, {}, {}, &route, {}, entry, std::move(lead)});
    job->target = upstream_path(ex.target.path, route.path_prefix, route.strip_prefix, "");
    if (ex.target.has_query) job->target.append("?").append(ex.target.query);
    job->request.erase("If-None-Match");
    job->request.erase("If-Modified-Since");
    add_validator(job->request, *entry);
    return services_.background.spawn("revalidation", refresh(std::move(job)));
  }

  Awaitable<void> refresh(std::unique_ptr<Refresh> job) {
    UpstreamRequest req{job->request, job->response, job->no_body, Framing{}, job->target, !job->route->options.preserve_host};
    std::time_t request_time = now();
    UpstreamResult result = co_await services_.upstream.send(*job->route, req);
    if (!result.ok()) co_return;  // the stale entry stays; its next stale-if-error or expiry decides
    std::time_t response_time = now();
    const ResponseHead& res = result.call->head();
    PolicySettings policy = policy_for(*job->route);
    if (res.result_int() == 304) {
      keep(updated(*job->entry, res, request_time, response_time, policy), job->entry, std::move(job->lead));
      co_return;
    }
    CacheControl req_cc = parse_cache_control(job->request), res_cc = parse_cache_control(res);
    if (may_store({"GET", job->request, req_cc, static_cast<int>(res.result_int()), res, res_cc}, policy) != NotStored::none) {
      forget(job->entry->key);  // what replaced it may not be kept: the stale one must not be served on
      co_return;
    }
    auto entry = new_entry(job->entry->key, job->request, res, res_cc, request_time, response_time, policy);
    take_tags(entry->headers, config_->tag_header, entry->tags);
    BodyDrained read = co_await read_body_to_end(*result.call, [&](std::string_view piece) {
      if (entry->body.size() + piece.size() > config_->max_entry_bytes) return false;  // too large to keep
      entry->body.append(piece);
      return true;
    });
    if (read.end == BodyDrained::End::whole) keep(std::move(entry), job->entry, std::move(job->lead));
  }

  Flow not_in_cache(Exchange& ex, CacheState& state) {
    state.result = "only-if-cached";
    ex.answer(http::status::gateway_timeout,
              R"({"type":"about:blank","title":"Not in the cache","status":504,"detail":"only-if-cached: no stored response fits this request"})",
              "application/problem+json");
    ex.response.set("Cache-Status", "Gatehouse; fwd=miss; detail=\"only-if-cached\"");
    return Flow::answered;
  }

  void start_storing(Exchange& ex, CacheState& state, std::time_t response_time) {
    const ResponseHead& res = ex.response;
    CacheControl req_cc = parse_cache_control(ex.request), res_cc = parse_cache_control(res);
    PolicySettings policy = policy_for(*ex.route);
    NotStored why = ex.is_head() ? NotStored::method
                                 : may_store({ex.request.method_string(), ex.request, req_cc, static_cast<int>(res.result_int()), res, res_cc},
                                             policy);
    std::string_view fwd = state.candidate ? "stale" : "uri-miss";
    bool too_large = ex.response_length && *ex.response_length > config_->max_entry_bytes;
    if (why == NotStored::none && too_large) why = NotStored::no_freshness;
    if (why != NotStored::none) {
      state.lead.done();  // nothing will be stored: the waiters go upstream now, together
      // The response says why (no-store, private, no freshness...): the next
      // requests for this URL, for a while, do not queue behind each other.
      if (why != NotStored::request_no_store && why != NotStored::method)
        collapser_->mark_uncacheable(state.key, coarse_now() + std::chrono::seconds(10));
      std::string_view detail = too_large && why == NotStored::no_freshness ? "too large" : not_stored_text(why);
      ex.response.set("Cache-Status", fmt::format("Gatehouse; fwd={}; detail=\"{}\"", fwd, detail));
      return;
    }
    auto entry = new_entry(state.key, state.vary_source.empty() ? ex.request : state.vary_source, res, res_cc, state.request_time,
                           response_time, policy);
    entry->tags = std::move(state.tags);
    state.pending = std::move(entry);
    state.storing = true;
    state.route = route_index(*ex.route);
    ex.add_response_filter(*this, std::make_unique<StoreTap>(state, config_->max_entry_bytes, ex.response_length,
                                                             [this](CacheState& s) { finish_storing(s); }));
    ex.response.set("Cache-Status", fmt::format("Gatehouse; fwd={}; stored", fwd));
  }

  // A successful unsafe request makes the stored responses for its URL, and
  // for its Location and Content-Location on the same host, stale: they go
  // (RFC 9111 §4.4). These are their keys.
  std::vector<std::string> invalidated_keys(Exchange& ex, const CacheState& state) {
    std::vector<std::string> keys{state.key};
    std::string origin = primary_key(ex.client_tls, client_host(ex), "");
    for (std::string_view name : {"Location", "Content-Location"}) {
      std::string_view where = trim(ex.response[name]);
      if (where.starts_with("/") && !where.starts_with("//")) keys.push_back(origin + std::string(where));
      else if (where.starts_with(origin) && (where.size() == origin.size() || where[origin.size()] == '/'))
        keys.emplace_back(where);
    }
    return keys;
  }

  // Where an entry lives: small ones in the shared Redis when there is one,
  // the rest in this replica's store. Replacing `old` (the variant it
  // revalidated, or null); `lead` is given up once the entry can be found.
  void keep(StoredPtr entry, const StoredPtr& old, Collapser::Lead lead) {
    if (!redis_ || entry->body.size() > config_->redis_max_entry_bytes) {
      if (old) store_->replace(old, std::move(entry));
      else store_->insert(std::move(entry));
      return;  // `lead` goes now: the entry is there
    }
    if (old) store_->erase(old->key);  // a local copy would shadow the shared one
    services_.background.spawn("cache_store", put_shared(std::move(entry), old, std::move(lead)));
  }

  Awaitable<void> put_shared(StoredPtr entry, StoredPtr replaces, Collapser::Lead lead) {
    co_await redis_->put(*entry, kept_for(*entry), replaces.get());
    lead.done();  // the waiters look again: in Redis now (or not, if it failed: they go upstream)
  }

  // How long Redis keeps an entry: its freshness, its stale windows (the
  // response's, or the longest CACHE_STALE_ON_ERROR grace of any route), and
  // an hour more while it can be revalidated (it has a validator).
  std::chrono::milliseconds kept_for(const StoredResponse& e) const {
    std::int64_t seconds = std::max<std::int64_t>(e.lifetime - e.initial_age, 0);
    seconds += std::max({e.cc.stale_while_revalidate.value_or(0), e.cc.stale_if_error.value_or(0), longest_grace_});
    if (e.headers.contains("ETag") || e.headers.contains("Last-Modified")) seconds += 3600;
    return std::chrono::seconds(std::max<std::int64_t>(seconds, 1));
  }

  // Forgets every variant of `key`, here and in the shared store (in the
  // background; not given up at a drain: a replica must not leave a
  // response it found unfit for the others to serve).
  void forget(const std::string& key) {
    store_->erase(key);
    if (redis_) services_.background.spawn("cache_invalidation", erase_shared({key}), BackgroundWork::AtDrain::finish);
  }
  // Deletes `keys` from Redis; a failed attempt is tried once more, a
  // moment later (a reconnect), before it is given up and logged.
  Awaitable<void> erase_shared(std::vector<std::string> keys) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (co_await redis_->erase(keys)) co_return;
      asio::steady_timer pause(services_.io, std::chrono::milliseconds(300));
      auto [ec] = co_await pause.async_wait(use_nothrow);
      if (ec) break;
    }
    ops_log().warn("cache: an invalidation did not reach Redis; other replicas may serve {} until it expires", keys.front());
  }

  // The newest stored variant whose Vary values the request has, if any
  // (RFC 9111 §4.1: the most recent response is used).
  static StoredPtr variant_for(const std::vector<StoredPtr>& variants, const Fields& request) {
    StoredPtr best;
    for (const auto& v : variants) {
      bool match = std::all_of(v->vary.begin(), v->vary.end(), [&](const auto& nv) { return vary_value(request, nv.first) == nv.second; });
      if (match && (!best || v->response_time > best->response_time)) best = v;
    }
    return best;
  }

  StageServices& services_;
  std::shared_ptr<const CacheConfig> config_;
  std::shared_ptr<CacheStore> store_;
  std::shared_ptr<Collapser> collapser_;
  std::shared_ptr<CacheMetrics> metrics_;
  std::unique_ptr<RedisClient> redis_client_;
  std::unique_ptr<RedisCache> redis_;
  std::int64_t longest_grace_ = 0;  // seconds: the longest CACHE_STALE_ON_ERROR of any route, for kept_for()
};

class CacheFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "cache"; }
  std::span<const SettingInfo> global_settings() const override { return global_docs_; }
  std::span<const SettingInfo> route_settings() const override { return route_docs_; }
  void configure(const EnvMap& env, const Settings& core) override {
    auto config = std::make_shared<CacheConfig>(load_cache_config(env, core));
    if (config->store == CacheConfig::Store::redis) tls_ = redis_tls_for(config->redis);
    store_ = std::make_shared<CacheStore>(config->max_bytes, static_cast<std::size_t>(config->max_variants));
    metrics_ = std::make_shared<CacheMetrics>(config->routes.size());
    config_ = std::move(config);
  }
  std::unique_ptr<Stage> create(StageServices& services) const override {
    // One store for all workers, sharded: a response fetched by one is a hit
    // for every other. Redis connections belong to a worker (its event loop).
    std::unique_ptr<RedisClient> redis;
    if (config_->store == CacheConfig::Store::redis) redis = std::make_unique<RedisClient>(services.io.get_executor(), redis_options(), tls_.get());
    return std::make_unique<CacheStage>(services, config_, store_, collapser_, metrics_, std::move(redis));
  }
  std::optional<StageAdminAnswer> admin(std::string_view method, std::string_view target) const override {
    if (config_->store != CacheConfig::Store::redis) return purge(*store_, method, target);
    return purge(*store_, method, target, [this](PurgeBy by, const std::string& what) { return purge_shared(by, what); });
  }
  std::vector<StageMetricFamily> metric_families(std::span<const std::string> route_names) const override {
    return metrics_->families(route_names, *store_, *collapser_);
  }

 private:
  std::vector<SettingInfo> global_docs_ = docs_of(cache_rows());
  std::vector<SettingInfo> route_docs_ = docs_of(route_cache_rows());
  std::shared_ptr<const CacheConfig> config_ = std::make_shared<CacheConfig>();
  std::shared_ptr<CacheStore> store_ = std::make_shared<CacheStore>(64ull << 20, 8);
  std::shared_ptr<Collapser> collapser_ = std::make_shared<Collapser>();
  std::shared_ptr<CacheMetrics> metrics_ = std::make_shared<CacheMetrics>(0);
  std::shared_ptr<ssl::context> tls_;  // rediss://

  // On the admin listener's thread, which may wait: a connection of its own
  // for the one purge, run to its end.
  std::optional<std::size_t> purge_shared(PurgeBy by, const std::string& what) const {
    asio::io_context io;
    RedisClient client(io.get_executor(), redis_options(), tls_.get());
    RedisCache shared(client, static_cast<std::size_t>(config_->max_variants), &metrics_->redis_failures());
    std::optional<std::size_t> n;
    asio::co_spawn(io, [&]() -> Awaitable<void> {
      if (by == PurgeBy::url) n = co_await shared.erase(what);
      else if (by == PurgeBy::prefix) n = co_await shared.purge_prefix(what);
      else n = co_await shared.purge_tag(what);
      client.close();
    }, asio::detached);
    io.run();
    return n;
  }

  // A cache lookup must not cost a client more than one Redis timeout: a
  // connect waits no longer than a reply, and after a failed one the
  // worker's lookups fail at once for a second (misses) rather than each
  // trying again.
  RedisOptions redis_options() const {
    RedisOptions o = redis_options_for(config_->redis);
    o.connect_timeout = config_->redis.timeout;
    o.reconnect_backoff = std::chrono::seconds(1);
    return o;
  }
};

}  // namespace

std::unique_ptr<StageFactory> cache_stage_factory() { return std::make_unique<CacheFactory>(); }

}  // namespace gatehouse
