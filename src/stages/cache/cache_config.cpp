#include "cache_config.hpp"

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/schema.hpp"

namespace gatehouse::cache {

std::span<const SettingRow<CacheConfig>> cache_rows() {
  using R = SettingRows<CacheConfig>;
  static const std::vector<SettingRow<CacheConfig>> rows{
      R::size("GATEHOUSE_CACHE_MAX_BYTES", "64m", "Memory the response cache may hold, in all; least recently used entries go first.",
              &CacheConfig::max_bytes, "a size from 1m to 64g such as 256m", 1ull << 20, 64ull << 30),
      R::size("GATEHOUSE_CACHE_MAX_ENTRY_BYTES", "1m", "Largest response body the cache stores; larger ones stream through uncached.",
              &CacheConfig::max_entry_bytes, "a size from 1k to 64m such as 1m", 1024, 64ull << 20),
      R::duration("GATEHOUSE_CACHE_HEURISTIC_MAX", "0",
                  "Heuristic freshness (RFC 9111 4.2.2) for responses without expiry: 10% of their age since Last-Modified, at most this; 0 is off.",
                  &CacheConfig::heuristic_max, ZeroDuration::allowed),
      R::boolean("GATEHOUSE_CACHE_STORE_SET_COOKIE", "false", "Store responses that carry Set-Cookie.", &CacheConfig::store_set_cookie),
      R::duration("GATEHOUSE_CACHE_COLLAPSE_WAIT", "5s",
                  "How long concurrent misses for one URL wait for the one that went upstream; 0 sends each upstream.",
                  &CacheConfig::collapse_wait, ZeroDuration::allowed),
      R::checked_text("GATEHOUSE_CACHE_TAG_HEADER", "Cache-Tag",
                      "Response header whose comma- or space-separated tags a purge by tag names (Surrogate-Key for Fastly's); removed before clients see it.",
                      &CacheConfig::tag_header, [](std::string_view t) { return is_token(t); }, "a header name such as Cache-Tag or Surrogate-Key"),
      R::integer("GATEHOUSE_CACHE_MAX_VARIANTS", "8", "Variants (by Vary) kept per URL.", &CacheConfig::max_variants, 1, 1024),
      R::choice("GATEHOUSE_CACHE_STORE", "memory",
                "Where stored responses live: memory (this replica) or redis (shared by the replicas on GATEHOUSE_REDIS_URL).",
                &CacheConfig::store, {{"memory", CacheConfig::Store::memory}, {"redis", CacheConfig::Store::redis}}),
      R::size("GATEHOUSE_CACHE_REDIS_MAX_ENTRY_BYTES", "256k",
              "With GATEHOUSE_CACHE_STORE=redis, responses whose body is larger stay in this replica's memory (each replica fetches its own).",
              &CacheConfig::redis_max_entry_bytes, "a size from 0 to 64m such as 256k", 0, 64ull << 20),
  };
  return rows;
}

std::span<const SettingRow<RouteCacheConfig>> route_cache_rows() {
  using R = SettingRows<RouteCacheConfig>;
  static const std::vector<SettingRow<RouteCacheConfig>> rows{
      R::boolean("CACHE", "false", "Cache the route's GET responses (RFC 9111 shared cache).", &RouteCacheConfig::enabled),
      R::duration("CACHE_DEFAULT_TTL", "0", "Lifetime of cacheable responses that give no freshness of their own; 0 is none.",
                  &RouteCacheConfig::default_ttl, ZeroDuration::allowed),
      R::duration("CACHE_STALE_ON_ERROR", "0",
                  "Serve a stale response for up to this long when the upstream fails or answers 5xx, where the response allows it.",
                  &RouteCacheConfig::stale_on_error, ZeroDuration::allowed),
  };
  return rows;
}

CacheConfig load_cache_config(const EnvMap& env, const Settings& core) {
  CacheConfig c;
  apply_settings(cache_rows(), env, c);
  if (c.store == CacheConfig::Store::redis) c.redis = load_redis_settings(env, "GATEHOUSE_CACHE_STORE=redis");
  for (const Route& route : core.routes) {
    RouteCacheConfig r;
    apply_settings(route_cache_rows(), env, r, route_variable_prefix(route.name));
    c.routes.push_back(r);
  }
  return c;
}

}  // namespace gatehouse::cache
