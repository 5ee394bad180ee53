#include "rest_rules.hpp"

#include <algorithm>

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::rest {

namespace {

constexpr std::array<std::string_view, 46> kBuiltinVerbs{
    "cancel",   "approve",  "reject",    "activate", "deactivate", "create",   "update",   "delete",  "remove",  "get",
    "set",      "do",       "execute",   "run",      "send",       "process",  "start",    "stop",    "enable",  "disable",
    "submit",   "confirm",  "archive",   "unarchive", "publish",   "unpublish", "assign",  "unassign", "add",    "fetch",
    "retrieve", "modify",   "edit",      "change",   "trigger",    "invoke",   "call",     "apply",   "refresh", "reset",
    "retry",    "resend",   "register",  "unregister", "login",    "logout"};

bool lower_ascii(char c) { return c >= 'a' && c <= 'z'; }
bool upper_ascii(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::string_view rule_name(Rule r) {
  switch (r) {
    case Rule::action_segment: return "action-segment";
    case Rule::unexpected_body: return "unexpected-body";
    case Rule::method_not_allowed: return "method-not-allowed";
    case Rule::idempotency_key_missing: return "idempotency-key-missing";
    case Rule::not_cacheable: return "not-cacheable";
    case Rule::created_on_get: return "created-on-get";
    case Rule::created_without_location: return "created-without-location";
    case Rule::error_not_problem: return "error-not-problem";
    case Rule::missing_self_link: return "missing-self-link";
    case Rule::malformed_json: return "malformed-json";
  }
  return "unknown";
}

std::string_view rule_setting_suffix(Rule r) {
  switch (r) {
    case Rule::action_segment: return "ACTION_SEGMENT";
    case Rule::unexpected_body: return "UNEXPECTED_BODY";
    case Rule::method_not_allowed: return "METHOD_NOT_ALLOWED";
    case Rule::idempotency_key_missing: return "IDEMPOTENCY_KEY_MISSING";
    case Rule::not_cacheable: return "NOT_CACHEABLE";
    case Rule::created_on_get: return "CREATED_ON_GET";
    case Rule::created_without_location: return "CREATED_WITHOUT_LOCATION";
    case Rule::error_not_problem: return "ERROR_NOT_PROBLEM";
    case Rule::missing_self_link: return "MISSING_SELF_LINK";
    case Rule::malformed_json: return "MALFORMED_JSON";
  }
  return "UNKNOWN";
}

bool on_request(Rule r) {
  return r == Rule::action_segment || r == Rule::unexpected_body || r == Rule::method_not_allowed || r == Rule::idempotency_key_missing;
}

std::span<const std::string_view> builtin_action_verbs() { return kBuiltinVerbs; }

ActionVerbs::ActionVerbs(std::span<const std::string> added, std::span<const std::string> exceptions) {
  auto excepted = [&](const std::string& verb) {
    return std::any_of(exceptions.begin(), exceptions.end(), [&](const std::string& e) { return iequals_ascii(e, verb); });
  };
  std::vector<std::string> verbs(kBuiltinVerbs.begin(), kBuiltinVerbs.end());
  for (const std::string& v : added) verbs.push_back(to_lower(v));
  std::erase_if(verbs, excepted);
  for (std::string& v : verbs) by_letter_[static_cast<std::size_t>(v[0] - 'a')].push_back(std::move(v));
}

bool ActionVerbs::is_action(std::string_view segment) const {
  char first = segment[0];
  if (upper_ascii(first)) first = static_cast<char>(first - 'A' + 'a');
  if (!lower_ascii(first)) return false;
  for (const std::string& verb : by_letter_[static_cast<std::size_t>(first - 'a')]) {
    if (segment.size() < verb.size() || !iequals_ascii(segment.substr(0, verb.size()), verb)) continue;
    if (segment.size() == verb.size()) return true;
    char next = segment[verb.size()];
    // "cancel-booking", "cancel_booking", "cancelBooking" (a lower-case
    // start, then an upper-case letter); never "settings" or "cancellation".
    if (next == '-' || next == '_') return true;
    if (upper_ascii(next) && lower_ascii(segment[0])) return true;
  }
  return false;
}

std::optional<std::string> ActionVerbs::first_action_segment(std::string_view path) const {
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(at, end - at);
    // A segment's matrix or extension part ("cancel.json") does not make it a noun.
    std::string_view word = segment.substr(0, segment.find_first_of(".;"));
    if (!word.empty() && is_action(word)) return std::string(segment);
    at = end + 1;
  }
  return std::nullopt;
}

RuleSet response_violations(std::string_view method, const ResponseHead& response) {
  RuleSet out = 0;
  auto add = [&out](Rule r) { out |= 1u << static_cast<unsigned>(r); };
  int status = response.result_int();
  bool get = method == "GET";
  if (get && status >= 200 && status < 300 && status != 204 && response[http::field::cache_control].empty() &&
      response[http::field::etag].empty() && response[http::field::last_modified].empty())
    add(Rule::not_cacheable);
  if (get && (status == 201 || status == 202)) add(Rule::created_on_get);
  if (status == 201 && response[http::field::location].empty()) add(Rule::created_without_location);
  if (status >= 400) {
    std::string_view type = trim(response[http::field::content_type].substr(0, response[http::field::content_type].find(';')));
    if (!iequals_ascii(type, "application/problem+json")) add(Rule::error_not_problem);
  }
  return out;
}

}  // namespace gatehouse::rest
