#include "rest_config.hpp"

#include "../idempotency/idempotency_config.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/schema.hpp"

namespace gatehouse::rest {

namespace {

const std::vector<std::pair<std::string_view, Mode>> kModeWords{{"off", Mode::off}, {"report", Mode::report}, {"enforce", Mode::enforce}};

std::vector<std::pair<std::string_view, std::optional<Mode>>> optional_mode_words() {
  std::vector<std::pair<std::string_view, std::optional<Mode>>> out;
  for (const auto& [word, mode] : kModeWords) out.emplace_back(word, mode);
  return out;
}

std::optional<std::string> verb_word(std::string_view w) {
  if (w.empty() || !std::all_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) return std::nullopt;
  return std::string(w);
}

// Names that live as long as the rows (a SettingRow keeps a string_view).
const std::vector<std::string>& rule_setting_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (Rule r : kRules) out.push_back("GATEHOUSE_REST_RULE_" + std::string(rule_setting_suffix(r)));
    return out;
  }();
  return names;
}

}  // namespace

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::off: return "off";
    case Mode::report: return "report";
    case Mode::enforce: return "enforce";
  }
  return "off";
}

std::span<const SettingRow<RestConfig>> rest_rows() {
  using R = SettingRows<RestConfig>;
  static const std::vector<SettingRow<RestConfig>> rows = [] {
    std::vector<SettingRow<RestConfig>> out{
        R::choice("GATEHOUSE_REST_MODE", "report",
                  "REST rules everywhere: off, report (the request goes through; rest=<rule> in the access line, counted) or enforce "
                  "(a request rule broken is a 4xx problem naming the rule).",
                  &RestConfig::mode, kModeWords),
        R::list("GATEHOUSE_REST_VERBS", "(none)", "Words read as actions in a path, besides the built-in ones (cancel, approve, create, ...).",
                &RestConfig::added_verbs, verb_word, "a comma-separated list of words such as refund,rebook")
            .computed(no_text),
        R::list("GATEHOUSE_REST_VERB_EXCEPTIONS", "(none)",
                "Words never read as actions in a path, even built-in ones (a domain noun such as run or process).",
                &RestConfig::verb_exceptions, verb_word, "a comma-separated list of words such as run,process")
            .computed(no_text),
        R::size("GATEHOUSE_REST_LINKS_MAX_BYTES", "1m",
                "Largest JSON body whose links are rewritten (or whose _links.self is checked); a larger one passes unchanged, counted.",
                &RestConfig::links_max_bytes, "a size from 1k to 64m such as 1m", 1024, 64ull << 20),
    };
    for (std::size_t i = 0; i < kRuleCount; ++i) {
      Rule rule = kRules[i];
      std::string_view default_text = rule == Rule::method_not_allowed  ? "enforce"
                                      : rule == Rule::error_not_problem ? "off"
                                                                        : "(the route's mode)";
      out.push_back(R::choice(rule_setting_names()[i], default_text,
                              on_request(rule) ? "This request rule's mode on every route (off, report, enforce); see the REST rules table."
                                               : "This response rule's mode on every route (off, or report: a response rule never refuses).",
                              [i](RestConfig& c) -> std::optional<Mode>& { return c.rule_modes[i]; }, optional_mode_words())
                        .seeded());
    }
    return out;
  }();
  return rows;
}

std::span<const SettingRow<RouteRestSetting>> route_rest_rows() {
  using R = SettingRows<RouteRestSetting>;
  static const std::vector<SettingRow<RouteRestSetting>> rows{
      R::choice("REST_MODE", "(GATEHOUSE_REST_MODE)", "REST rules on this route: off, report or enforce.", &RouteRestSetting::mode,
                optional_mode_words())
          .seeded(),
      R::boolean("REST_LINKS", "true",
                 "Rewrite links to the route's upstreams (Location, Content-Location, Link, _links.*.href in JSON) to the public URL the client used.",
                 &RouteRestSetting::links),
  };
  return rows;
}

Mode effective_mode(Rule rule, std::optional<Mode> rule_setting, std::optional<Mode> route_setting, Mode global) {
  Mode m;
  if (rule == Rule::method_not_allowed) return rule_setting.value_or(Mode::enforce);
  if (route_setting == Mode::off) return Mode::off;
  if (rule == Rule::error_not_problem) m = rule_setting.value_or(Mode::off);
  else m = rule_setting ? *rule_setting : route_setting ? *route_setting : global;
  if (!on_request(rule) && m == Mode::enforce) m = Mode::report;
  return m;
}

RestConfig load_rest_config(const EnvMap& env, const Settings& core) {
  RestConfig c;
  apply_settings(rest_rows(), env, c);
  for (const Route& route : core.routes) {
    RouteRestSetting r;
    apply_settings(route_rest_rows(), env, r, route_variable_prefix(route.name));
    RuleModes modes{};
    for (std::size_t i = 0; i < kRuleCount; ++i) modes[i] = effective_mode(kRules[i], c.rule_modes[i], r.mode, c.mode);
    c.route_modes.push_back(modes);
    c.rewrites_links.push_back(r.links && !route.upstreams.empty());
    // The idempotency stage's own reading of the route: the REST stage names
    // the missing key; the idempotency stage refuses the request.
    idempotency::RouteIdempotencyConfig idem;
    apply_settings(idempotency::route_idempotency_rows(), env, idem, route_variable_prefix(route.name));
    c.key_required_for.push_back(idem.mode == idempotency::Mode::required ? idem.methods : std::vector<http::verb>{});
  }
  return c;
}

}  // namespace gatehouse::rest
