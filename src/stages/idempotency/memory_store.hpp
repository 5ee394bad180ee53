#pragma once
// The in-memory store, for one replica: shared by the workers (a mutex held
// for one map operation, never across a co_await), bounded in bytes with
// least-recently-used eviction, keys expiring after their retention.
//
// Built for a store that is full, as a replica's is after a day of keys:
// each keyed request then claims a new key and pushes the oldest out. An
// entry is one allocation with its claim's text, plus the outcome's strings
// the request hands over, and the index is one flat array: a claim, its
// finish and the eviction it causes cost a few cache misses, not one per
// node and string (bench/micro_bench.cpp, BM_IdempotencyMemoryStore).
#include <mutex>
#include <vector>

#include "idempotency_store.hpp"

namespace gatehouse::idempotency {

class MemoryStore final : public IdempotencyStore {
 public:
  explicit MemoryStore(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  Awaitable<ClaimAnswer> claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                               Millis retention) override;
  Awaitable<ChangeAnswer> renew(const std::string& key, const std::string& lease, Millis lease_for) override;
  Awaitable<ChangeAnswer> finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) override;
  Awaitable<ChangeAnswer> release(const std::string& key, const std::string& lease) override;
  std::string_view kind() const override { return "memory"; }
  std::optional<ClaimAnswer> claim_now(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                                       Millis retention) override;
  std::optional<ChangeAnswer> finish_now(const std::string& key, const std::string& lease, Finish&& outcome, Millis retention) override;
  std::optional<ChangeAnswer> release_now(const std::string& key, const std::string& lease) override;
  bool shares_fate_with_holders() const override { return true; }

  std::uint64_t bytes() const;
  std::uint64_t evictions() const;

 private:
  using Clock = std::chrono::steady_clock;
  // Allocated with its claim's text (key, lease, fingerprint) right after it.
  struct Entry {
    Entry* newer = nullptr;  // the LRU list, most recently used at head_
    Entry* older = nullptr;
    std::size_t hash = 0;
    KeyState state = KeyState::in_flight;
    Clock::time_point lease_until, expires;
    std::uint32_t key_size = 0, lease_size = 0, fingerprint_size = 0;
    std::string body_hash, response;  // the outcome's, handed over at the finish

    static Entry* make(std::string_view key, std::string_view lease, std::string_view fingerprint);
    static void destroy(Entry* e);
    const char* text() const { return reinterpret_cast<const char*>(this + 1); }
    std::string_view key() const { return {text(), key_size}; }
    std::string_view lease() const { return {text() + key_size, lease_size}; }
    std::string_view fingerprint() const { return {text() + key_size + lease_size, fingerprint_size}; }
    // What the bound counts: the entry, its text, its outcome, its share of the index.
    std::size_t size() const {
      return sizeof(Entry) + key_size + lease_size + fingerprint_size + body_hash.capacity() + response.capacity() + 2 * sizeof(Slot);
    }
  };
  // The index: open addressing, linear probing, at most half full.
  struct Slot {
    std::size_t hash = 0;
    Entry* entry = nullptr;
  };

  static std::size_t hash_of(std::string_view key);
  // The live entry for `key` (expired ones go), made the most recent; null if none.
  Entry* find(std::string_view key, std::size_t hash, Clock::time_point now);
  Entry* lookup(std::string_view key, std::size_t hash) const;        // the entry as it is, or null
  std::size_t slot_of(std::string_view key, std::size_t hash) const;  // its slot, or an empty one
  void insert(Entry* e);
  void erase(Entry* e);
  void grow();
  void link_newest(Entry* e);
  void unlink(Entry* e);
  void fit();
  void drop_expired(Clock::time_point now);

  mutable std::mutex mutex_;
  std::uint64_t max_bytes_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
  std::size_t count_ = 0;
  std::vector<Slot> slots_;  // a power of two in size, or empty
  Entry* head_ = nullptr;    // most recently used
  Entry* tail_ = nullptr;    // least recently used: the first to go
};

}  // namespace gatehouse::idempotency
