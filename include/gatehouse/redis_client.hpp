#pragma once
// An asynchronous Redis client on Asio: a few pipelined connections per
// worker, each reconnecting by itself. Nothing here blocks the worker:
// names are resolved by Asio's resolver, every wait is an awaited operation.
// One client belongs to one worker (one thread): it takes no locks.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/net.hpp"
#include "gatehouse/redis_reply.hpp"
#include "gatehouse/redis_settings.hpp"
#include "gatehouse/redis_url.hpp"

namespace gatehouse {

struct RedisOptions {
  RedisEndpoint endpoint;
  std::size_t connections = 2;                      // per worker
  std::chrono::milliseconds timeout{500};           // one command's round trip
  std::chrono::milliseconds connect_timeout{1000};  // resolve, connect, TLS, AUTH, SELECT
  // After a failed connect, commands fail at once for this long rather than
  // each waiting out a connect timeout of its own.
  std::chrono::milliseconds reconnect_backoff{250};
};

// A reply, or why there is none (Redis unreachable, timed out, cut off).
// An error reply from Redis (-ERR ...) is a reply, not a failure.
struct RedisResult {
  std::optional<RedisReply> reply;
  std::string failure;
  bool ok() const { return reply.has_value(); }
};

// A Lua script, sent by its SHA-1 (EVALSHA) and by its text the first time
// a server does not know it (NOSCRIPT).
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // lower-case hex
};

class RedisConnection;

class RedisClient {
 public:
  // `tls` is the client context for rediss:// (null for redis://).
  RedisClient(Executor ex, RedisOptions options, ssl::context* tls);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  Awaitable<RedisResult> command(std::span<const std::string_view> args);
  // command("SET", key, value): each argument converts to a string_view and
  // must outlive the await. (Not an initializer_list: GCC 12 rejects braced
  // lists inside coroutines.)
  template <class... Args>
  Awaitable<RedisResult> command_of(Args... args) {
    std::string_view argv[] = {std::string_view(args)...};
    co_return co_await command(std::span<const std::string_view>(argv));
  }
  Awaitable<RedisResult> eval(const RedisScript& script, std::span<const std::string_view> keys, std::span<const std::string_view> args);

  // Closes every connection for good: commands in flight fail, and later
  // ones fail at once without connecting ("client closed").
  void close() noexcept;

 private:
  RedisConnection& pick();

  RedisOptions options_;
  std::vector<std::unique_ptr<RedisConnection>> connections_;
  std::size_t next_ = 0;
};

// An ssl::context for rediss:// that verifies the server against the
// system's trust store (and `ca_file` when given).
std::unique_ptr<ssl::context> make_redis_tls_context(const std::string& ca_file);

// A stage's client options and TLS context from the shared settings
// (redis_settings.hpp). The context is null for redis://; a CA file that
// cannot be loaded is a ConfigError naming GATEHOUSE_REDIS_TLS_CA.
RedisOptions redis_options_for(const RedisSettings& settings);
std::shared_ptr<ssl::context> redis_tls_for(const RedisSettings& settings);

}  // namespace gatehouse
