#pragma once
// What a shared cache may store, for how long, and when it may answer from
// it (RFC 9111 §3, §4.2, §5.2; stale-while-revalidate and stale-if-error
// of RFC 5861). Pure functions of the messages and the clock the caller
// passes: the cache stage owns the storage and the I/O.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "cache_control.hpp"
#include "gatehouse/fields.hpp"

namespace gatehouse::cache {

struct PolicySettings {
  // Heuristic freshness (RFC 9111 §4.2.2) for responses without explicit
  // expiration: 10% of the time since Last-Modified, at most this. Off: 0.
  std::int64_t heuristic_max_seconds = 0;
  bool store_set_cookie = false;              // responses with Set-Cookie are not stored by default
  std::optional<std::int64_t> default_ttl;  // the operator's lifetime for responses that give none
};

// Why a response was not stored; `none` when it may be. Its text is the
// Cache-Status `detail` the gateway sends.
enum class NotStored { none, method, status, request_no_store, no_store, is_private, authorization, set_cookie, vary_star, no_freshness };
std::string_view not_stored_text(NotStored why);

struct Messages {
  std::string_view method;
  const Fields& request;
  const CacheControl& request_cc;
  int status;
  const Fields& response;
  const CacheControl& response_cc;
};

NotStored may_store(const Messages& ex, const PolicySettings& settings);

// Seconds the response stays fresh (§4.2.1): s-maxage, else max-age, else
// Expires minus Date, else the operator's default, else heuristic where
// allowed; 0 when none applies.
std::int64_t freshness_lifetime(int status, const Fields& response, const CacheControl& cc, std::time_t response_time,
                                const PolicySettings& settings);

// The response's age when it was received (§4.2.3: corrected_initial_age),
// from its Age and Date and the times the request left and the response came.
std::int64_t initial_age(const Fields& response, std::time_t request_time, std::time_t response_time);

inline std::int64_t current_age(std::int64_t initial, std::time_t response_time, std::time_t now) {
  return initial + (now > response_time ? now - response_time : 0);
}

// How a stored response may answer a request.
enum class Use {
  fresh,                   // as it is
  stale_while_revalidate,  // as it is, and refreshed in the background
  stale_by_request,        // as it is: the request's max-stale accepts it
  revalidate,              // only after the upstream confirms it (a conditional request)
};
Use decide(const CacheControl& request_cc, bool request_pragma_no_cache, const CacheControl& response_cc, std::int64_t lifetime,
           std::int64_t age);

// Whether a stale response may answer when the upstream failed or answered
// 5xx: within its stale-if-error window, or the route's grace period, and
// never when the response forbids serving it stale.
bool may_serve_on_error(const CacheControl& response_cc, std::int64_t lifetime, std::int64_t age, std::int64_t route_grace_seconds);

}  // namespace gatehouse::cache
