#include "redis_store.hpp"

namespace gatehouse::idempotency {

namespace {

// Redis' clock in milliseconds, as every script reads it.
#define GH_NOW "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

// KEYS[1]; ARGV: lease, fingerprint, lease ms, retention ms.
// Returns {'claimed'} or {state, fingerprint, body hash, response}.
const RedisScript kClaim(GH_NOW R"lua(
local st = redis.call('HGET', KEYS[1], 'st')
if not st then
  redis.call('HSET', KEYS[1], 'st', 'in_flight', 'lease', ARGV[1], 'until', now + tonumber(ARGV[3]), 'fp', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'claimed'}
end
if st == 'in_flight' and tonumber(redis.call('HGET', KEYS[1], 'until')) <= now then
  st = 'unknown'
  redis.call('HSET', KEYS[1], 'st', st)
end
local f = redis.call('HMGET', KEYS[1], 'fp', 'bh', 'resp')
return {st, f[1] or '', f[2] or '', f[3] or ''}
)lua");

// KEYS[1]; ARGV: lease, lease ms. 1 when renewed.
const RedisScript kRenew(GH_NOW R"lua(
local f = redis.call('HMGET', KEYS[1], 'st', 'lease', 'until')
if f[1] ~= 'in_flight' or f[2] ~= ARGV[1] or tonumber(f[3]) <= now then return 0 end
redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]))
return 1
)lua");

// KEYS[1]; ARGV: lease, state, body hash, response, retention ms. 1 when recorded.
// The lease is the fencing token: only the claim's own holder records its
// outcome (also after its lease ran out, while no one else holds the key).
const RedisScript kFinish(R"lua(
local f = redis.call('HMGET', KEYS[1], 'st', 'lease')
if f[2] ~= ARGV[1] or (f[1] ~= 'in_flight' and f[1] ~= 'unknown') then return 0 end
redis.call('HSET', KEYS[1], 'st', ARGV[2], 'bh', ARGV[3], 'resp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
)lua");

// KEYS[1]; ARGV: lease. 1 when the in-flight key was forgotten.
const RedisScript kRelease(GH_NOW R"lua(
local f = redis.call('HMGET', KEYS[1], 'st', 'lease', 'until')
if f[1] ~= 'in_flight' or f[2] ~= ARGV[1] or tonumber(f[3]) <= now then return 0 end
redis.call('DEL', KEYS[1])
return 1
)lua");

#undef GH_NOW

std::string failure_of(const RedisResult& r) {
  if (!r.ok()) return r.failure;
  if (r.reply->is_error()) return "Redis: " + r.reply->str;
  return {};
}

}  // namespace

Awaitable<ClaimAnswer> RedisStore::claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                                         Millis retention) {
  std::string lease_ms = std::to_string(lease_for.count()), keep_ms = std::to_string(retention.count());
  std::string_view keys[] = {key};
  std::string_view args[] = {lease, fingerprint, lease_ms, keep_ms};
  RedisResult r = co_await client_->eval(kClaim, keys, args);
  ClaimAnswer a;
  if (std::string why = failure_of(r); !why.empty()) {
    a.failure = std::move(why);
    co_return a;
  }
  const auto& e = r.reply->elements;
  if (e.size() == 1 && e[0].text() == "claimed") {
    a.kind = ClaimAnswer::Kind::claimed;
    co_return a;
  }
  auto state = e.size() == 4 ? key_state_from(e[0].text()) : std::nullopt;
  if (!state) {
    a.failure = "Redis: unexpected answer to the claim script";
    co_return a;
  }
  a.kind = ClaimAnswer::Kind::existing;
  a.state = *state;
  a.fingerprint = e[1].text();
  a.body_hash = e[2].text();
  a.response = e[3].text();
  co_return a;
}

Awaitable<ChangeAnswer> RedisStore::change(const RedisScript& script, const std::string& key, std::span<const std::string_view> args) {
  std::string_view keys[] = {key};
  RedisResult r = co_await client_->eval(script, keys, args);
  ChangeAnswer a;
  a.failure = failure_of(r);
  a.ok = a.failure.empty();
  a.held = a.ok && r.reply->type == RedisReply::Type::integer && r.reply->integer == 1;
  co_return a;
}

Awaitable<ChangeAnswer> RedisStore::renew(const std::string& key, const std::string& lease, Millis lease_for) {
  std::string ms = std::to_string(lease_for.count());
  std::string_view args[] = {lease, ms};
  co_return co_await change(kRenew, key, args);
}

Awaitable<ChangeAnswer> RedisStore::finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) {
  std::string ms = std::to_string(retention.count());
  std::string_view args[] = {lease, key_state_text(outcome.state), outcome.body_hash, outcome.response, ms};
  co_return co_await change(kFinish, key, args);
}

Awaitable<ChangeAnswer> RedisStore::release(const std::string& key, const std::string& lease) {
  std::string_view args[] = {lease};
  co_return co_await change(kRelease, key, args);
}

}  // namespace gatehouse::idempotency
