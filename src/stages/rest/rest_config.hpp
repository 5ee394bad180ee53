#pragma once
// The REST stage's settings: a default mode, a mode per route and per rule,
// and the action verbs. Read once at start-up into one mode per (route, rule).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/net.hpp"
#include "gatehouse/setting_schema.hpp"
#include "gatehouse/settings.hpp"
#include "rest_rules.hpp"

namespace gatehouse::rest {

enum class Mode { off, report, enforce };
std::string_view mode_name(Mode m);

using RuleModes = std::array<Mode, kRuleCount>;

struct RestConfig {
  Mode mode = Mode::report;                                  // GATEHOUSE_REST_MODE
  std::array<std::optional<Mode>, kRuleCount> rule_modes{};  // GATEHOUSE_REST_RULE_<RULE>, when set
  std::vector<std::string> added_verbs;                      // GATEHOUSE_REST_VERBS
  std::vector<std::string> verb_exceptions;                  // GATEHOUSE_REST_VERB_EXCEPTIONS
  std::uint64_t links_max_bytes = 1ull << 20;                // GATEHOUSE_REST_LINKS_MAX_BYTES
  // By route index: the mode each rule has there, and where PUT/PATCH need a key.
  std::vector<RuleModes> route_modes;
  std::vector<std::vector<http::verb>> key_required_for;
  std::vector<bool> rewrites_links;  // GATEHOUSE_ROUTE_<NAME>_REST_LINKS

  Mode mode_of(std::size_t route, Rule rule) const { return route_modes[route][static_cast<std::size_t>(rule)]; }
};

std::span<const SettingRow<RestConfig>> rest_rows();
// GATEHOUSE_ROUTE_<NAME>_REST_MODE
struct RouteRestSetting {
  std::optional<Mode> mode;
  bool links = true;
};
std::span<const SettingRow<RouteRestSetting>> route_rest_rows();

// One rule's mode on one route:
//  - a route whose REST_MODE is off checks nothing there (but its METHODS);
//  - method-not-allowed is the route's own METHODS list: enforced (405)
//    unless its rule setting says otherwise, whatever the modes;
//  - error-not-problem is off unless its rule setting turns it on;
//  - else the rule's setting, the route's mode, then GATEHOUSE_REST_MODE, the
//    first one set;
//  - a response rule only ever reports: the upstream has acted.
Mode effective_mode(Rule rule, std::optional<Mode> rule_setting, std::optional<Mode> route_setting, Mode global);

// Throws ConfigError naming the variable.
RestConfig load_rest_config(const EnvMap& env, const Settings& core);

}  // namespace gatehouse::rest
