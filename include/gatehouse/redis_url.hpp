#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

// Where a Redis server is, from GATEHOUSE_REDIS_URL:
// redis://[[user]:password@]host[:port][/db], or rediss:// for TLS.
struct RedisEndpoint {
  bool tls = false;
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH <password>)
  std::string password;  // empty: no AUTH
  int db = 0;

  // For logs and errors: the URL without its password.
  std::string redacted() const;
};

// nullopt when `text` is not such a URL (the caller names the variable).
std::optional<RedisEndpoint> parse_redis_url(std::string_view text);

}  // namespace gatehouse
