#include "rest_stage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/problem.hpp"
#include "gatehouse/upstream_call.hpp"
#include "link_rewriter.hpp"
#include "rest_config.hpp"
#include "rest_rules.hpp"

namespace gatehouse {
namespace {

using namespace rest;

// What happened to a JSON body the stage looked at: its links rewritten, or
// why it passed as it came.
enum class BodyOutcome { rewritten, unchanged, too_large, encoded, malformed };
constexpr std::array<std::string_view, 5> kBodyOutcomes{"rewritten", "unchanged", "too_large", "encoded", "malformed"};

// Counts by route and one label (a rule, a body outcome), shared by the workers.
class RouteCounters {
 public:
  RouteCounters(std::size_t routes, std::size_t labels)
      : routes_(routes), labels_(labels), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(routes * labels)) {}
  void count(std::size_t route, std::size_t label) {
    if (route < routes_) counts_[route * labels_ + label].fetch_add(1, std::memory_order_relaxed);
  }
  template <class Name>
  StageMetricFamily family(std::string name, std::string help, std::string_view label, std::span<const std::string> route_names,
                           Name label_value) const {
    StageMetricFamily f{std::move(name), "counter", std::move(help), {}};
    for (std::size_t r = 0; r < routes_ && r < route_names.size(); ++r)
      for (std::size_t i = 0; i < labels_; ++i)
        if (std::uint64_t n = counts_[r * labels_ + i].load(std::memory_order_relaxed))
          f.samples.emplace_back(fmt::format("route=\"{}\",{}=\"{}\"", route_names[r], label, label_value(i)), std::to_string(n));
    return f;
  }

 private:
  std::size_t routes_, labels_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
};

struct RestMetrics {
  explicit RestMetrics(std::size_t routes) : violations(routes, kRuleCount), bodies(routes, kBodyOutcomes.size()) {}
  RouteCounters violations;
  RouteCounters bodies;
  std::vector<StageMetricFamily> families(std::span<const std::string> route_names) const {
    return {violations.family("gatehouse_rest_violations_total", "REST rule violations, by route and rule (reported or enforced).", "rule",
                              route_names, [](std::size_t i) { return rule_name(kRules[i]); }),
            bodies.family("gatehouse_rest_link_bodies_total",
                          "JSON bodies the REST stage read, by route and outcome: links rewritten, or passed unchanged (and why).", "outcome",
                          route_names, [](std::size_t i) { return kBodyOutcomes[i]; })};
  }
};

// Sends the body the stage read ahead (through the filters before it), then
// whatever the source still has. The stage set ex.response_length to the
// bytes it sends, so the length is the one announced.
class ReadAheadBody final : public BodyFilter {
 public:
  explicit ReadAheadBody(std::string text) : text_(std::move(text)) {}
  std::string_view on_data(std::string_view piece) override {
    if (sent_) return piece;
    sent_ = true;
    text_ += piece;
    return text_;
  }
  std::string_view on_end() override {
    if (sent_) return {};
    sent_ = true;
    return text_;
  }

 private:
  std::string text_;
  bool sent_ = false;
};

// Whether a response's body is one the stage reads: JSON, not encoded.
enum class BodyPlan { none, encoded, read };

struct Refusal {
  int status;
  std::string_view title;
  std::string detail;
};

class RestStage final : public Stage {
 public:
  RestStage(StageServices& services, std::shared_ptr<const RestConfig> config, std::shared_ptr<const ActionVerbs> verbs,
            std::shared_ptr<const std::vector<std::unique_ptr<RouteLinks>>> links, std::shared_ptr<RestMetrics> metrics)
      : services_(services), config_(std::move(config)), verbs_(std::move(verbs)), links_owner_(std::move(links)), links_(*links_owner_),
        metrics_(std::move(metrics)) {}

  std::string_view name() const override { return "rest"; }
  bool active_for(const Route& route) const override {
    std::size_t i = route_index(route);
    if (i >= config_->route_modes.size()) return false;  // a factory never configured (a test's pipeline)
    const RuleModes& modes = config_->route_modes[i];
    return std::any_of(modes.begin(), modes.end(), [](Mode m) { return m != Mode::off; });
  }
  bool has_response_head_hook() const override { return true; }

  std::optional<Flow> on_request_now(Exchange& ex) override {
    std::size_t route = route_index(*ex.route);
    std::string_view method = ex.request.method_string();
    if (!ex.route->allows(method)) {
      Refusal r{405, "Method not allowed on this route", fmt::format("{} is not allowed on route {}", method, ex.route->name)};
      if (broken(ex, route, Rule::method_not_allowed, std::move(r))) {
        ex.info.code = ErrorCode::method_not_allowed;
        ex.response.set(http::field::allow, fmt::format("{}", fmt::join(ex.route->methods, ", ")));
        return Flow::answered;
      }
    }
    if (mode(route, Rule::action_segment) != Mode::off) {
      if (auto segment = verbs_->first_action_segment(ex.target.path)) {
        Refusal r{400, "Action in the path",
                  fmt::format("the path segment '{}' names an action; name the resource instead: POST a noun (/bookings/1/cancellation), "
                              "or PATCH the resource with its new state",
                              *segment)};
        if (broken(ex, route, Rule::action_segment, std::move(r))) return Flow::answered;
      }
    }
    auto verb = ex.request.method();
    if (ex.request_framing.has_body && (verb == http::verb::get || verb == http::verb::head || verb == http::verb::delete_)) {
      Refusal r{400, "Body on a request that takes none",
                fmt::format("{} takes no body: send the parameters in the query, or use POST for a request that needs one", method)};
      if (broken(ex, route, Rule::unexpected_body, std::move(r))) return Flow::answered;
    }
    const auto& key_methods = config_->key_required_for[route];
    if (std::find(key_methods.begin(), key_methods.end(), verb) != key_methods.end() && !ex.request.count("Idempotency-Key")) {
      // Named here, refused by the idempotency stage (the route requires a key).
      note(ex, route, Rule::idempotency_key_missing);
    }
    return Flow::next;
  }

  bool on_response_head_now(Exchange& ex) override {
    std::size_t route = route_index(*ex.route);
    // The rules see the upstream's responses, as they arrive; a cache hit was
    // checked when it was fetched. Links are mapped in every response
    // (a hit, a replay): the public URL depends on the request.
    if (ex.response_body_as<UpstreamCall>()) {
      RuleSet broken = response_violations(ex.request.method_string(), ex.response);
      // The most telling first: the access line names one.
      for (Rule rule : {Rule::created_on_get, Rule::created_without_location, Rule::error_not_problem, Rule::not_cacheable})
        if (contains(broken, rule) && mode(route, rule) != Mode::off) note(ex, route, rule);
    }
    if (rewrites_links(route)) rewrite_link_fields(ex, route);
    switch (body_plan(ex, route)) {
      case BodyPlan::none: return true;
      case BodyPlan::encoded:
        metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::encoded));
        return true;
      case BodyPlan::read: break;
    }
    if (ex.response_length && *ex.response_length > config_->links_max_bytes) {
      metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::too_large));
      return true;
    }
    return false;  // on_response_head reads the body
  }

  // Reads a JSON body (up to the limit) before its head goes out: its links
  // are rewritten, and its _links.self checked, with the length corrected.
  Awaitable<void> on_response_head(Exchange& ex) override {
    std::size_t route = route_index(*ex.route);
    BodySource& source = *ex.response_body();
    FilterChain& filters = ex.response_filters();  // the stages' before this one see the bytes first
    std::string text;
    // A pooled piece: a fresh 16 KiB string would be zeroed and freed on
    // every JSON response (a third of a request's instructions).
    PiecePool::Lease piece = services_.pieces.take();
    if (ex.response_length) text.reserve(static_cast<std::size_t>(*ex.response_length));
    bool whole = false;
    while (text.size() <= config_->links_max_bytes) {
      BodyRead r = co_await source.read(asio::buffer(piece.get(), kBodyPiece));
      if (!r.ok()) break;  // the session meets the failure on its next read
      if (r.size == 0) {
        whole = true;
        break;
      }
      text += filters.push(std::string_view(piece.get(), r.size));
    }
    if (whole) {
      settle_body(ex, route, text);
      ex.response_length = text.size();
    } else if (text.size() > config_->links_max_bytes) {
      metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::too_large));
    }
    ex.add_response_filter(*this, std::make_unique<ReadAheadBody>(std::move(text)));
  }

 private:
  std::size_t route_index(const Route& route) const { return static_cast<std::size_t>(&route - services_.settings.routes.data()); }
  Mode mode(std::size_t route, Rule rule) const { return config_->mode_of(route, rule); }
  bool rewrites_links(std::size_t route) const { return config_->rewrites_links[route]; }

  // The response's _links.self is checked on a 2xx JSON answer to GET from the upstream.
  bool checks_self_link(Exchange& ex, std::size_t route) const {
    int status = static_cast<int>(ex.response.result_int());
    return mode(route, Rule::missing_self_link) != Mode::off && ex.request.method() == http::verb::get && status >= 200 && status < 300 &&
           ex.response_body_as<UpstreamCall>();
  }

  BodyPlan body_plan(Exchange& ex, std::size_t route) const {
    if (ex.is_head() || status_has_no_body(ex.response.result_int()) || !ex.response_body()) return BodyPlan::none;
    if (!is_json_type(ex.response[http::field::content_type])) return BodyPlan::none;
    if (!rewrites_links(route) && !checks_self_link(ex, route)) return BodyPlan::none;
    std::string_view encoding = trim(ex.response[http::field::content_encoding]);
    if (!encoding.empty() && !iequals_ascii(encoding, "identity")) return BodyPlan::encoded;
    return BodyPlan::read;
  }

  std::string public_origin(Exchange& ex) const {
    return std::string(ex.client_tls ? "https://" : "http://") + std::string(ex.request[http::field::host]);
  }

  void rewrite_link_fields(Exchange& ex, std::size_t route) {
    std::string origin;  // made when a field needs it
    auto mapper = [&]() {
      if (origin.empty()) origin = public_origin(ex);
      return LinkMapper{*links_[route], origin};
    };
    for (http::field f : {http::field::location, http::field::content_location}) {
      std::string_view value = ex.response[f];
      if (value.empty()) continue;
      if (auto mapped = mapper().map(value)) ex.response.set(f, *mapped);
    }
    if (!ex.response.count(http::field::link)) return;
    std::vector<std::string> values;
    bool changed = false;
    ex.response.for_each_value("Link", [&](std::string_view v) {
      auto mapped = rewrite_link_field(v, mapper());
      changed |= mapped.has_value();
      values.push_back(mapped ? std::move(*mapped) : std::string(v));
    });
    if (!changed) return;
    ex.response.erase(http::field::link);
    for (const std::string& v : values) ex.response.insert("Link", v);
  }

  // A whole JSON body read ahead: its links mapped, its _links.self checked.
  void settle_body(Exchange& ex, std::size_t route, std::string& text) {
    bool self_rule = checks_self_link(ex, route);
    bool links = rewrites_links(route) && links_[route]->may_appear_in(text);
    // No "_links" at all: no self link, and nothing to parse for it.
    if (self_rule && text.find("\"_links\"") == std::string::npos) {
      note(ex, route, Rule::missing_self_link);
      self_rule = false;
    }
    if (!links && !self_rule) {
      metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::unchanged));
      return;
    }
    std::string origin = public_origin(ex);
    LinkMapper mapper{*links_[route], origin};
    JsonLinks found = rewrite_json_links(text, links ? &mapper : nullptr);
    switch (found.result) {
      case JsonLinks::Result::malformed:
        metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::malformed));
        if (mode(route, Rule::malformed_json) != Mode::off) note(ex, route, Rule::malformed_json);
        return;
      case JsonLinks::Result::rewritten: {
        text = std::move(found.body);
        metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::rewritten));
        // Another body, so no longer byte-for-byte what a strong validator names.
        std::string_view etag = ex.response[http::field::etag];
        if (etag.starts_with('"')) ex.response.set(http::field::etag, "W/" + std::string(etag));
        break;
      }
      case JsonLinks::Result::unchanged:
        metrics_->bodies.count(route, static_cast<std::size_t>(BodyOutcome::unchanged));
        break;
    }
    if (self_rule && !found.has_self) note(ex, route, Rule::missing_self_link);
  }

  // Records a broken rule; the access line names the first one.
  void note(Exchange& ex, std::size_t route, Rule rule) {
    metrics_->violations.count(route, static_cast<std::size_t>(rule));
    if (ex.info.rest == "-") ex.info.rest = rule_name(rule);
  }

  // A request rule broken: noted, and answered when enforced. True when answered.
  bool broken(Exchange& ex, std::size_t route, Rule rule, Refusal refusal) {
    Mode m = mode(route, rule);
    if (m == Mode::off) return false;
    note(ex, route, rule);
    if (m != Mode::enforce) return false;
    std::string type = "/problems/" + std::string(rule_name(rule));
    ex.info.code = ErrorCode::rest_rule;
    ex.info.detail = refusal.detail;
    ex.info.rest = rule_name(rule);
    Problem p{refusal.status, type, refusal.title, std::move(refusal.detail)};
    ex.answer(static_cast<http::status>(refusal.status), problem_body(p, ex.target.path, ex.info.request_id), "application/problem+json");
    return true;
  }

  StageServices& services_;
  std::shared_ptr<const RestConfig> config_;
  std::shared_ptr<const ActionVerbs> verbs_;
  std::shared_ptr<const std::vector<std::unique_ptr<RouteLinks>>> links_owner_;
  const std::vector<std::unique_ptr<RouteLinks>>& links_;  // by route index
  std::shared_ptr<RestMetrics> metrics_;
};

class RestFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "rest"; }
  std::span<const SettingInfo> global_settings() const override { return global_docs_; }
  std::span<const SettingInfo> route_settings() const override { return route_docs_; }
  void configure(const EnvMap& env, const Settings& core) override {
    auto config = std::make_shared<RestConfig>(load_rest_config(env, core));
    verbs_ = std::make_shared<ActionVerbs>(config->added_verbs, config->verb_exceptions);
    // Route paths that are actions already: said once, at start-up.
    for (std::size_t i = 0; i < core.routes.size(); ++i) {
      if (config->mode_of(i, Rule::action_segment) == Mode::off) continue;
      if (auto segment = verbs_->first_action_segment(core.routes[i].path_prefix))
        ops_log().warn("rest: route {} has the action '{}' in its path {}: name a resource instead (rule action-segment)", core.routes[i].name,
                       *segment, core.routes[i].path_prefix);
    }
    auto links = std::make_shared<std::vector<std::unique_ptr<RouteLinks>>>();
    for (const Route& route : core.routes) links->push_back(std::make_unique<RouteLinks>(route));
    links_ = std::move(links);
    metrics_ = std::make_shared<RestMetrics>(core.routes.size());
    config_ = std::move(config);
  }
  std::unique_ptr<Stage> create(StageServices& services) const override {
    return std::make_unique<RestStage>(services, config_, verbs_, links_, metrics_);
  }
  std::vector<StageMetricFamily> metric_families(std::span<const std::string> route_names) const override {
    return metrics_->families(route_names);
  }

 private:
  std::vector<SettingInfo> global_docs_ = docs_of(rest_rows());
  std::vector<SettingInfo> route_docs_ = docs_of(route_rest_rows());
  std::shared_ptr<const RestConfig> config_ = std::make_shared<RestConfig>();
  std::shared_ptr<const ActionVerbs> verbs_ = std::make_shared<ActionVerbs>(std::span<const std::string>{}, std::span<const std::string>{});
  std::shared_ptr<const std::vector<std::unique_ptr<RouteLinks>>> links_ = std::make_shared<std::vector<std::unique_ptr<RouteLinks>>>();
  std::shared_ptr<RestMetrics> metrics_ = std::make_shared<RestMetrics>(0);
};

}  // namespace

std::unique_ptr<StageFactory> rest_stage_factory() { return std::make_unique<RestFactory>(); }

}  // namespace gatehouse
