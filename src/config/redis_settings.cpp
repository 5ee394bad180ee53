#include "gatehouse/redis_settings.hpp"

#include <fmt/format.h>

#include "gatehouse/config_error.hpp"

namespace gatehouse {

std::span<const SettingRow<RedisSettings>> redis_setting_rows() {
  using R = SettingRows<RedisSettings>;
  static const std::vector<SettingRow<RedisSettings>> rows{
      R::checked_text("GATEHOUSE_REDIS_URL", "(none)",
                      "Redis for GATEHOUSE_IDEMPOTENCY_STORE=redis and GATEHOUSE_CACHE_STORE=redis: "
                      "redis://[[user]:password@]host[:port][/db], rediss:// for TLS.",
                      &RedisSettings::url, [](std::string_view t) { return t.empty() || parse_redis_url(t).has_value(); },
                      "a URL such as redis://:password@10.0.0.5:6379/0 or rediss://redis.internal:6380")
          .computed(no_text),
      R::text("GATEHOUSE_REDIS_TLS_CA", "(system trust store)", "PEM file of the CAs that sign the Redis server's certificate (rediss://).",
              &RedisSettings::ca_file)
          .computed(no_text),
      R::duration("GATEHOUSE_REDIS_TIMEOUT", "500ms", "Longest wait for one Redis reply; past it Redis counts as unreachable.",
                  &RedisSettings::timeout),
      R::integer("GATEHOUSE_REDIS_CONNECTIONS", "2", "Redis connections per worker and stage (commands are pipelined on each).",
                 &RedisSettings::connections, 1, 64),
  };
  return rows;
}

RedisSettings load_redis_settings(const EnvMap& env, std::string_view needed_by) {
  RedisSettings s;
  apply_settings(redis_setting_rows(), env, s);
  if (s.url.empty())
    throw ConfigError(fmt::format("GATEHOUSE_REDIS_URL is not set: {} needs a URL such as redis://127.0.0.1:6379/0", needed_by));
  s.endpoint = *parse_redis_url(s.url);
  return s;
}

}  // namespace gatehouse
