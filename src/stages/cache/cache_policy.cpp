#include "cache_policy.hpp"

#include <algorithm>
#include <charconv>

#include "gatehouse/http_date.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::cache {
namespace {

// Statuses stored when their freshness allows; also those that are
// heuristically cacheable (RFC 9110 §15.1), but for 206, which needs ranges.
bool storable_status(int status) {
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 302: case 303: case 307: case 308:
    case 404: case 405: case 410: case 414: case 451: case 501: return true;
    default: return false;
  }
}

bool heuristically_cacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 308: case 404: case 405: case 410: case 414: case 501: return true;
    default: return false;
  }
}

std::optional<std::time_t> date_field(const Fields& f, std::string_view name) {
  if (f.count(name) != 1) return std::nullopt;  // none, or several: not to be trusted
  return parse_http_date(trim(f[name]));
}

// Forbids serving stale in a shared cache (§5.2.2.2, §5.2.2.8, §5.2.2.10).
bool forbids_stale(const CacheControl& cc) {
  return cc.must_revalidate || cc.proxy_revalidate || cc.s_maxage.has_value() || cc.no_cache;
}

bool has_explicit_expiration(const Fields& response, const CacheControl& cc) {
  return cc.s_maxage || cc.max_age || response.contains("Expires");
}

}  // namespace

std::string_view not_stored_text(NotStored why) {
  switch (why) {
    case NotStored::none: return "stored";
    case NotStored::method: return "method";
    case NotStored::status: return "status";
    case NotStored::request_no_store: return "request no-store";
    case NotStored::no_store: return "no-store";
    case NotStored::is_private: return "private";
    case NotStored::authorization: return "authorization";
    case NotStored::set_cookie: return "set-cookie";
    case NotStored::vary_star: return "vary *";
    case NotStored::no_freshness: return "no freshness";
  }
  return "-";
}

NotStored may_store(const Messages& ex, const PolicySettings& settings) {
  if (ex.method != "GET") return NotStored::method;
  if (!storable_status(ex.status)) return NotStored::status;
  if (ex.request_cc.no_store) return NotStored::request_no_store;
  // must-understand on a status the cache knows overrides no-store (§5.2.2.3).
  if (ex.response_cc.no_store && !(ex.response_cc.must_understand && !ex.response_cc.malformed)) return NotStored::no_store;
  if (ex.response_cc.is_private) return NotStored::is_private;
  // A response to an authenticated request is another user's unless it says it may be shared (§3.5).
  if (ex.request.contains("Authorization") && !ex.response_cc.is_public && !ex.response_cc.s_maxage && !ex.response_cc.must_revalidate)
    return NotStored::authorization;
  if (!settings.store_set_cookie && ex.response.contains("Set-Cookie")) return NotStored::set_cookie;
  bool vary_star = false;
  ex.response.for_each_value("Vary", [&](std::string_view v) {
    for_each_list_item(v, [&](std::string_view item) {
      vary_star = vary_star || item == "*";
      return true;
    });
  });
  if (vary_star) return NotStored::vary_star;
  // Something must say it may be reused (§3): explicit freshness or public;
  // else a heuristically cacheable status, where heuristics or the
  // operator's default lifetime (a heuristic too) are turned on.
  bool explicit_ = has_explicit_expiration(ex.response, ex.response_cc) || ex.response_cc.is_public;
  bool heuristic = (settings.heuristic_max_seconds > 0 || settings.default_ttl) && heuristically_cacheable(ex.status);
  if (!explicit_ && !heuristic) return NotStored::no_freshness;
  return NotStored::none;
}

std::int64_t freshness_lifetime(int status, const Fields& response, const CacheControl& cc, std::time_t response_time,
                                const PolicySettings& settings) {
  if (cc.s_maxage) return *cc.s_maxage;
  if (cc.max_age) return *cc.max_age;
  std::time_t date = date_field(response, "Date").value_or(response_time);
  if (response.contains("Expires")) {
    // An invalid Expires ("0", several lines) means already expired (§5.3).
    auto expires = date_field(response, "Expires");
    return expires && *expires > date ? *expires - date : 0;
  }
  if (!heuristically_cacheable(status) && !cc.is_public) return 0;
  if (settings.default_ttl) return *settings.default_ttl;
  if (settings.heuristic_max_seconds > 0) {
    if (auto modified = date_field(response, "Last-Modified"); modified && *modified < date)
      return std::min<std::int64_t>((date - *modified) / 10, settings.heuristic_max_seconds);
  }
  return 0;
}

std::int64_t initial_age(const Fields& response, std::time_t request_time, std::time_t response_time) {
  std::int64_t age_value = 0;
  std::string_view age = response["Age"];
  age = trim(age.substr(0, age.find(',')));  // a list: its first member (§5.1)
  if (!age.empty() && age.find_first_not_of("0123456789") == std::string_view::npos) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(age.data(), age.data() + age.size(), n);
    age_value = ec == std::errc() && n < static_cast<std::uint64_t>(kMaxDelta) ? static_cast<std::int64_t>(n) : kMaxDelta;
  }
  std::int64_t apparent_age = 0;
  if (auto date = date_field(response, "Date")) apparent_age = std::max<std::int64_t>(0, response_time - *date);
  std::int64_t response_delay = std::max<std::int64_t>(0, response_time - request_time);
  return std::max(apparent_age, age_value + response_delay);
}

Use decide(const CacheControl& req, bool request_pragma_no_cache, const CacheControl& res, std::int64_t lifetime, std::int64_t age) {
  // Pragma: no-cache counts only where the request has no Cache-Control of its own (§5.4).
  bool request_no_cache = req.no_cache || (!req.present && request_pragma_no_cache);
  if (request_no_cache || res.no_cache) return Use::revalidate;
  if (req.max_age && age > *req.max_age) return Use::revalidate;
  std::int64_t left = lifetime - age;  // seconds of freshness left; negative when stale
  if (req.min_fresh && left < *req.min_fresh) return Use::revalidate;
  if (left > 0) return Use::fresh;
  if (forbids_stale(res)) return Use::revalidate;
  std::int64_t staleness = -left;
  if (req.max_stale && (!req.max_stale_seconds || staleness <= *req.max_stale_seconds)) return Use::stale_by_request;
  // The client's own limits hold over stale-while-revalidate: max-age
  // without max-stale asks for nothing stale, max-stale=N for nothing staler.
  if (req.max_age || req.max_stale) return Use::revalidate;
  if (res.stale_while_revalidate && staleness <= *res.stale_while_revalidate) return Use::stale_while_revalidate;
  return Use::revalidate;
}

bool may_serve_on_error(const CacheControl& res, std::int64_t lifetime, std::int64_t age, std::int64_t route_grace_seconds) {
  if (forbids_stale(res)) return false;
  std::int64_t staleness = std::max<std::int64_t>(0, age - lifetime);
  std::int64_t window = std::max(res.stale_if_error.value_or(0), route_grace_seconds);
  return staleness <= window && (res.stale_if_error || route_grace_seconds > 0);
}

}  // namespace gatehouse::cache
