#pragma once
// The REST rules of the service guidelines, as checks on one request or one
// response head: pure functions, no I/O (the stage applies the modes).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/message_head.hpp"

namespace gatehouse::rest {

enum class Rule {
  action_segment,            // request: a verb as a path segment (POST /bookings/1/cancel)
  unexpected_body,           // request: GET, HEAD or DELETE with a body
  method_not_allowed,        // request: a method the route does not allow (405 with Allow)
  idempotency_key_missing,   // request: PUT or PATCH without a key where the route requires one
  not_cacheable,             // response: a 2xx GET with no Cache-Control, ETag or Last-Modified
  created_on_get,            // response: a GET answered 201 or 202
  created_without_location,  // response: a 201 without Location
  error_not_problem,         // response: a 4xx or 5xx whose body is not application/problem+json (opt-in)
  missing_self_link,         // response: a 2xx JSON answer to GET without _links.self (its body is read)
  malformed_json,            // response: a body labelled JSON that does not parse (seen where it is read)
};
inline constexpr std::size_t kRuleCount = 10;
inline constexpr std::array<Rule, kRuleCount> kRules{Rule::action_segment,      Rule::unexpected_body, Rule::method_not_allowed,
                                                     Rule::idempotency_key_missing, Rule::not_cacheable,  Rule::created_on_get,
                                                     Rule::created_without_location, Rule::error_not_problem, Rule::missing_self_link,
                                                     Rule::malformed_json};

std::string_view rule_name(Rule r);            // "action-segment": rest=, the metric's label, the problem type
std::string_view rule_setting_suffix(Rule r);  // "ACTION_SEGMENT": GATEHOUSE_REST_RULE_<suffix>
bool on_request(Rule r);                       // else a response rule, which only reports

// The built-in action verbs (cancel, approve, create, ...).
std::span<const std::string_view> builtin_action_verbs();

// Words read as actions in a path: the built-in verbs and added ones, less
// the exceptions, all lower case.
class ActionVerbs {
 public:
  ActionVerbs(std::span<const std::string> added, std::span<const std::string> exceptions);
  // The first path segment that is an action: the verb itself ("cancel"),
  // or a verb and what it acts on ("cancel-booking", "cancel_booking",
  // "cancelBooking"). Nullopt when every segment names a thing.
  std::optional<std::string> first_action_segment(std::string_view path) const;

 private:
  bool is_action(std::string_view segment) const;
  // By the first letter, lower case: a segment is compared with the few
  // verbs that could start it, not the whole list (every request is checked).
  std::array<std::vector<std::string>, 26> by_letter_;
};

// The response rules a response head breaks, for a request of `method`: a
// set of rules, bit 1 << Rule (no allocation on every response).
using RuleSet = std::uint32_t;
inline bool contains(RuleSet set, Rule r) { return (set >> static_cast<unsigned>(r)) & 1u; }
RuleSet response_violations(std::string_view method, const ResponseHead& response);

}  // namespace gatehouse::rest
