#pragma once
// The in-memory store, for one replica: shared by the workers (a mutex held
// for one map operation, never across a co_await), bounded in bytes with
// least-recently-used eviction, keys expiring after their retention.
#include <list>
#include <mutex>
#include <unordered_map>

#include "idempotency_store.hpp"

namespace gatehouse::idempotency {

class MemoryStore final : public IdempotencyStore {
 public:
  explicit MemoryStore(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}

  Awaitable<ClaimAnswer> claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                               Millis retention) override;
  Awaitable<ChangeAnswer> renew(const std::string& key, const std::string& lease, Millis lease_for) override;
  Awaitable<ChangeAnswer> finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) override;
  Awaitable<ChangeAnswer> release(const std::string& key, const std::string& lease) override;
  std::string_view kind() const override { return "memory"; }
  std::optional<ClaimAnswer> claim_now(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                                       Millis retention) override;
  std::optional<ChangeAnswer> finish_now(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) override;
  std::optional<ChangeAnswer> release_now(const std::string& key, const std::string& lease) override;
  bool shares_fate_with_holders() const override { return true; }

  std::uint64_t bytes() const;
  std::uint64_t evictions() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string key;
    KeyState state = KeyState::in_flight;
    std::string lease, fingerprint, body_hash, response;
    Clock::time_point lease_until, expires;
    std::size_t size() const { return key.size() + lease.size() + fingerprint.size() + body_hash.size() + response.size() + 128; }
  };
  using Lru = std::list<Entry>;

  // The live entry for `key` (expired ones go), moved to the front; null if none.
  Entry* find(const std::string& key, Clock::time_point now);
  void erase(Lru::iterator it);
  void fit();
  void drop_expired(Clock::time_point now);

  mutable std::mutex mutex_;
  std::uint64_t max_bytes_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
  Lru lru_;  // most recently used first
  // Keyed by a view of the entry's own key: list nodes never move, and the
  // key is not copied (nor allocated) twice.
  std::unordered_map<std::string_view, Lru::iterator> index_;
};

}  // namespace gatehouse::idempotency
