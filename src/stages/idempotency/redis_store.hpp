#pragma once
// The Redis store, for many replicas sharing one Redis. Each change is one
// Lua script (one round trip, atomic on the server); time is Redis' own
// (TIME), so replicas' clocks need not agree. A key is one hash:
//   st     in_flight | done | not_replayable | unknown
//   lease  the holder's lease id (the fencing token)
//   until  the lease's end, in Redis milliseconds
//   fp, bh the request's fingerprint and its body's SHA-256
//   resp   the response to replay (done)
// with the key's retention as its Redis expiry.
#include <memory>

#include "gatehouse/redis_client.hpp"
#include "idempotency_store.hpp"

namespace gatehouse::idempotency {

class RedisStore final : public IdempotencyStore {
 public:
  explicit RedisStore(std::unique_ptr<RedisClient> client) : client_(std::move(client)) {}

  Awaitable<ClaimAnswer> claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                               Millis retention) override;
  Awaitable<ChangeAnswer> renew(const std::string& key, const std::string& lease, Millis lease_for) override;
  Awaitable<ChangeAnswer> finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) override;
  Awaitable<ChangeAnswer> release(const std::string& key, const std::string& lease) override;
  std::string_view kind() const override { return "redis"; }
  void close() noexcept override { client_->close(); }

 private:
  Awaitable<ChangeAnswer> change(const RedisScript& script, const std::string& key, std::span<const std::string_view> args);

  std::unique_ptr<RedisClient> client_;
};

}  // namespace gatehouse::idempotency
