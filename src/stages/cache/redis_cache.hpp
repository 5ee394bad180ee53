#pragma once
// The cache's shared backend: stored responses in Redis, so that replicas
// behind one load balancer share what any of them fetched. One hash per
// primary key (cache_key.hpp), one field per variant (its Vary values),
// each value an entry as entry_codec writes it; a set per tag names the
// hashes that carry it, for purges. Every call is one round trip (a script
// where it must be atomic) and fails soft: an unreachable Redis is a miss,
// never an error for the client. The cache stage calls it where
// GATEHOUSE_CACHE_STORE=redis (cache_stage.cpp: lookups, keep(), forget(),
// the invalidation in on_response_head, and the admin purge).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache_store.hpp"
#include "gatehouse/redis_client.hpp"

namespace gatehouse::cache {

class RedisCache {
 public:
  // `failures`, when given, counts the calls that failed (Redis unreachable, timed out, or refusing).
  explicit RedisCache(RedisClient& client, std::size_t max_variants = 8, std::atomic<std::uint64_t>* failures = nullptr)
      : client_(client), max_variants_(max_variants), failures_(failures) {}

  // Every variant stored for `key`, as entries (a variant another version
  // wrote, or one unreadable, is left out). Empty on a miss or a failure.
  Awaitable<std::vector<StoredPtr>> variants(const std::string& key);
  // Stores `entry` as its key's variant for its Vary values, kept for
  // `keep_for` (its freshness and any stale window), in place of
  // `replaces` (the variant it revalidated, whatever its Vary values; may
  // be null); the key's other variants beyond the cap go. False when Redis
  // did not take it.
  Awaitable<bool> put(const StoredResponse& entry, std::chrono::milliseconds keep_for, const StoredResponse* replaces = nullptr);
  // Forgets every variant of these keys (an invalidation, a purge of one
  // URL): how many of them had any; nullopt when Redis did not answer.
  Awaitable<std::optional<std::size_t>> erase(std::span<const std::string> keys);
  Awaitable<std::optional<std::size_t>> erase(const std::string& key) { return erase(std::span<const std::string>(&key, 1)); }
  // Forgets every key tagged `tag`: how many there were; nullopt on a failure.
  Awaitable<std::optional<std::size_t>> purge_tag(const std::string& tag);
  // Forgets every key starting with `prefix` (a scheme, host and path
  // prefix): how many there were; nullopt when the walk failed part way.
  Awaitable<std::optional<std::size_t>> purge_prefix(const std::string& prefix);

  static std::string redis_key(std::string_view key) { return "gatehouse:cache:" + std::string(key); }
  static std::string tag_key(std::string_view tag) { return "gatehouse:cache-tag:" + std::string(tag); }
  // The hash field of a variant: its Vary names and values, length-prefixed.
  static std::string variant_field(const StoredResponse& entry);

 private:
  bool succeeded(const RedisResult& r);
  Awaitable<std::optional<std::size_t>> delete_keys(const std::vector<std::string>& redis_keys);

  RedisClient& client_;
  std::size_t max_variants_;
  std::atomic<std::uint64_t>* failures_;
};

// `text` with Redis' glob characters escaped, for SCAN MATCH.
std::string glob_escaped(std::string_view text);

}  // namespace gatehouse::cache
