#pragma once
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gatehouse/net.hpp"
#include "gatehouse/redis_client.hpp"
#include "gatehouse/setting_schema.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse::idempotency {

enum class Mode { off, optional, required };
enum class StoreKind { memory, redis };
enum class OnStoreError { fail_closed, fail_open };

// One route's settings (GATEHOUSE_ROUTE_<NAME>_IDEMPOTENCY*).
struct RouteIdempotencyConfig {
  Mode mode = Mode::optional;
  std::vector<http::verb> methods{http::verb::put, http::verb::patch};
  Millis retention{24 * 3600 * 1000};
  std::uint64_t max_response_bytes = 1ull << 20;
  bool protects(http::verb v) const { return std::find(methods.begin(), methods.end(), v) != methods.end(); }
};

// The stage's settings (GATEHOUSE_IDEMPOTENCY_*, GATEHOUSE_REDIS_*), and each route's by route index.
struct IdempotencyConfig {
  StoreKind store = StoreKind::memory;
  RedisSettings redis;  // when store == redis
  OnStoreError on_store_error = OnStoreError::fail_closed;
  std::string caller_header;  // empty: keys are scoped to the route alone
  Millis lease{10000};
  Millis wait{2000};          // a concurrent retry waits this long for the first request's answer
  std::uint64_t memory_max_bytes = 64ull << 20;
  std::vector<RouteIdempotencyConfig> routes;
};

std::span<const SettingRow<IdempotencyConfig>> idempotency_rows();
std::span<const SettingRow<RouteIdempotencyConfig>> route_idempotency_rows();
// Throws ConfigError naming the variable.
IdempotencyConfig load_idempotency_config(const EnvMap& env, const Settings& core);

}  // namespace gatehouse::idempotency
