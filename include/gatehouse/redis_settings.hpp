#pragma once
// The one Redis the gateway's stages share (the idempotency store, the
// cache's shared backend): GATEHOUSE_REDIS_URL and its companions. Declared
// with the core settings, so that each stage that uses Redis reads the same
// rows and none declares them twice.
#include <chrono>
#include <cstddef>
#include <span>
#include <string>

#include "gatehouse/dotenv.hpp"
#include "gatehouse/redis_url.hpp"
#include "gatehouse/setting_schema.hpp"

namespace gatehouse {

struct RedisSettings {
  std::string url;      // empty: no Redis configured
  std::string ca_file;  // rediss://: the CAs to verify the server with (empty: the system store)
  std::chrono::milliseconds timeout{500};
  std::size_t connections = 2;  // per worker and stage
  RedisEndpoint endpoint;       // `url`, parsed
};

std::span<const SettingRow<RedisSettings>> redis_setting_rows();
// For a stage that needs Redis (`needed_by` says why, such as
// "GATEHOUSE_CACHE_STORE=redis"). Throws ConfigError naming the variable
// and the value on a bad one, and when GATEHOUSE_REDIS_URL is not set.
RedisSettings load_redis_settings(const EnvMap& env, std::string_view needed_by);

}  // namespace gatehouse
