#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gatehouse/redis_settings.hpp"
#include "gatehouse/setting_schema.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse::cache {

// One route's cache settings (GATEHOUSE_ROUTE_<NAME>_CACHE*).
struct RouteCacheConfig {
  bool enabled = false;
  Millis default_ttl{0};     // 0: none; else the lifetime of responses that give none
  Millis stale_on_error{0};  // 0: only where stale-if-error allows it
};

// The cache's settings (GATEHOUSE_CACHE_*), and each route's by route index.
struct CacheConfig {
  std::uint64_t max_bytes = 64ull << 20;
  std::uint64_t max_entry_bytes = 1ull << 20;
  Millis heuristic_max{0};  // 0: no heuristic freshness
  bool store_set_cookie = false;
  std::int64_t max_variants = 8;
  Millis collapse_wait{5000};  // 0: no collapsing
  std::string tag_header = "Cache-Tag";  // the upstream's tags for purges; never sent to clients
  // Where entries live: in this process only, or in the shared Redis
  // (GATEHOUSE_REDIS_URL) for every replica, but for entries above
  // redis_max_entry_bytes, which stay in this process.
  enum class Store { memory, redis };
  Store store = Store::memory;
  std::uint64_t redis_max_entry_bytes = 256ull << 10;
  RedisSettings redis;  // when store == redis
  std::vector<RouteCacheConfig> routes;
};

std::span<const SettingRow<CacheConfig>> cache_rows();
std::span<const SettingRow<RouteCacheConfig>> route_cache_rows();
// Reads them from `env` for the routes of `core`; throws ConfigError naming the variable.
CacheConfig load_cache_config(const EnvMap& env, const Settings& core);

}  // namespace gatehouse::cache
