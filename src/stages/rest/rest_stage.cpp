#include "rest_stage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gatehouse/ops_log.hpp"
#include "gatehouse/problem.hpp"
#include "gatehouse/upstream_call.hpp"
#include "rest_config.hpp"
#include "rest_rules.hpp"

namespace gatehouse {
namespace {

using namespace rest;

// Violations by route and rule, shared by the workers.
class RestMetrics {
 public:
  explicit RestMetrics(std::size_t routes) : routes_(routes), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(routes * kRuleCount)) {}
  void count(std::size_t route, Rule rule) {
    if (route < routes_) counts_[route * kRuleCount + static_cast<std::size_t>(rule)].fetch_add(1, std::memory_order_relaxed);
  }
  StageMetricFamily family(std::span<const std::string> route_names) const {
    StageMetricFamily f{"gatehouse_rest_violations_total", "counter", "REST rule violations, by route and rule (reported or enforced).", {}};
    for (std::size_t r = 0; r < routes_ && r < route_names.size(); ++r)
      for (std::size_t i = 0; i < kRuleCount; ++i)
        if (std::uint64_t n = counts_[r * kRuleCount + i].load(std::memory_order_relaxed))
          f.samples.emplace_back(fmt::format("route=\"{}\",rule=\"{}\"", route_names[r], rule_name(kRules[i])), std::to_string(n));
    return f;
  }

 private:
  std::size_t routes_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
};

struct Refusal {
  int status;
  std::string_view title;
  std::string detail;
};

class RestStage final : public Stage {
 public:
  RestStage(StageServices& services, std::shared_ptr<const RestConfig> config, std::shared_ptr<const ActionVerbs> verbs,
            std::shared_ptr<RestMetrics> metrics)
      : services_(services), config_(std::move(config)), verbs_(std::move(verbs)), metrics_(std::move(metrics)) {}

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
    // The upstream's responses, as they arrive; a cache hit was checked when it was fetched.
    if (!ex.response_body_as<UpstreamCall>()) return true;
    std::size_t route = route_index(*ex.route);
    RuleSet broken = response_violations(ex.request.method_string(), ex.response);
    if (!broken) return true;
    // The most telling first: the access line names one.
    for (Rule rule : {Rule::created_on_get, Rule::created_without_location, Rule::error_not_problem, Rule::not_cacheable})
      if (contains(broken, rule) && mode(route, rule) != Mode::off) note(ex, route, rule);
    return true;
  }

 private:
  std::size_t route_index(const Route& route) const { return static_cast<std::size_t>(&route - services_.settings.routes.data()); }
  Mode mode(std::size_t route, Rule rule) const { return config_->mode_of(route, rule); }

  // Records a broken rule; the access line names the first one.
  void note(Exchange& ex, std::size_t route, Rule rule) {
    metrics_->count(route, rule);
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
    metrics_ = std::make_shared<RestMetrics>(core.routes.size());
    config_ = std::move(config);
  }
  std::unique_ptr<Stage> create(StageServices& services) const override {
    return std::make_unique<RestStage>(services, config_, verbs_, metrics_);
  }
  std::vector<StageMetricFamily> metric_families(std::span<const std::string> route_names) const override {
    return {metrics_->family(route_names)};
  }

 private:
  std::vector<SettingInfo> global_docs_ = docs_of(rest_rows());
  std::vector<SettingInfo> route_docs_ = docs_of(route_rest_rows());
  std::shared_ptr<const RestConfig> config_ = std::make_shared<RestConfig>();
  std::shared_ptr<const ActionVerbs> verbs_ = std::make_shared<ActionVerbs>(std::span<const std::string>{}, std::span<const std::string>{});
  std::shared_ptr<RestMetrics> metrics_ = std::make_shared<RestMetrics>(0);
};

}  // namespace

std::unique_ptr<StageFactory> rest_stage_factory() { return std::make_unique<RestFactory>(); }

}  // namespace gatehouse
