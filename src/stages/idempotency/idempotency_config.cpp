#include "idempotency_config.hpp"

#include <fmt/format.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/fields.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/redis_settings.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::idempotency {

namespace {

std::optional<http::verb> unsafe_method(std::string_view word) {
  std::string upper(word);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (http::verb v : {http::verb::put, http::verb::patch, http::verb::post, http::verb::delete_})
    if (http::to_string(v) == upper) return v;
  return std::nullopt;
}

}  // namespace

std::span<const SettingRow<IdempotencyConfig>> idempotency_rows() {
  using R = SettingRows<IdempotencyConfig>;
  static const std::vector<SettingRow<IdempotencyConfig>> rows{
      R::choice("GATEHOUSE_IDEMPOTENCY_STORE", "memory",
                "Where idempotency keys live: memory (one replica) or redis (replicas sharing GATEHOUSE_REDIS_URL).",
                &IdempotencyConfig::store, {{"memory", StoreKind::memory}, {"redis", StoreKind::redis}}),
      R::choice("GATEHOUSE_IDEMPOTENCY_ON_STORE_ERROR", "closed",
                "When the store cannot be reached: closed answers keyed requests 503 with Retry-After; open forwards them unprotected (counted and logged).",
                &IdempotencyConfig::on_store_error, {{"closed", OnStoreError::fail_closed}, {"open", OnStoreError::fail_open}}),
      R::checked_text("GATEHOUSE_IDEMPOTENCY_CALLER_HEADER", "(none)",
                      "Request header naming the caller (an API-key or subject header set in front); keys are scoped to it and the route. Unset: to the route alone.",
                      &IdempotencyConfig::caller_header,
                      [](std::string_view t) { return t.empty() || (is_token(t) && !iequals_ascii(t, "authorization")); },
                      "a header name such as X-Api-Key (never Authorization: it changes when a token is refreshed)")
          .computed(no_text),
      R::duration("GATEHOUSE_IDEMPOTENCY_LEASE", "10s",
                  "How long a claim holds without renewal; its holder renews it while the upstream works. A holder gone that long leaves the key 'outcome unknown'.",
                  &IdempotencyConfig::lease),
      R::duration("GATEHOUSE_IDEMPOTENCY_WAIT", "2s",
                  "How long a retry waits for the same key's request in flight before a 409 with Retry-After; 0 answers 409 at once.",
                  &IdempotencyConfig::wait, ZeroDuration::allowed),
      R::size("GATEHOUSE_IDEMPOTENCY_MEMORY_MAX_BYTES", "64m", "Memory the in-memory store may hold; least recently used keys go first.",
              &IdempotencyConfig::memory_max_bytes, "a size from 1m to 64g such as 256m", 1ull << 20, 64ull << 30),
  };
  return rows;
}

std::span<const SettingRow<RouteIdempotencyConfig>> route_idempotency_rows() {
  using R = SettingRows<RouteIdempotencyConfig>;
  static const std::vector<SettingRow<RouteIdempotencyConfig>> rows{
      R::choice("IDEMPOTENCY", "optional",
                "Idempotency keys on the route: off, optional (keyed requests are protected) or required (an unkeyed request is a 400 problem).",
                &RouteIdempotencyConfig::mode, {{"off", Mode::off}, {"optional", Mode::optional}, {"required", Mode::required}}),
      R::list("IDEMPOTENCY_METHODS", "PUT,PATCH", "Methods whose Idempotency-Key is honoured (PUT, PATCH, POST, DELETE).",
              &RouteIdempotencyConfig::methods, unsafe_method, "a comma-separated list of PUT, PATCH, POST and DELETE",
              "at least one method such as PUT,PATCH"),
      R::duration("IDEMPOTENCY_RETENTION", "24h", "How long a key and its response are kept for replay.", &RouteIdempotencyConfig::retention),
      R::size("IDEMPOTENCY_MAX_RESPONSE", "1m",
              "Largest response body stored for replay; a larger response is recorded 'not replayable' (retries get 409).",
              &RouteIdempotencyConfig::max_response_bytes, "a size from 0 to 64m such as 1m", 0, 64ull << 20),
  };
  return rows;
}

IdempotencyConfig load_idempotency_config(const EnvMap& env, const Settings& core) {
  IdempotencyConfig c;
  apply_settings(idempotency_rows(), env, c);
  if (c.store == StoreKind::redis) c.redis = load_redis_settings(env, "GATEHOUSE_IDEMPOTENCY_STORE=redis");
  for (const Route& route : core.routes) {
    RouteIdempotencyConfig r;
    apply_settings(route_idempotency_rows(), env, r, route_variable_prefix(route.name));
    c.routes.push_back(r);
  }
  return c;
}

}  // namespace gatehouse::idempotency
