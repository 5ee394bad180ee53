#pragma once
// The cache's storage: in memory, bounded in bytes, least recently used out
// first, sharded so that workers seldom meet on a lock. Entries are
// immutable and shared: a hit streams from its entry while another worker
// replaces or evicts it. No lock is held beyond one call (never across a
// co_await: every call here is synchronous).
#include <cstdint>
#include <ctime>
#include <list>
#include <memory>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache_control.hpp"
#include "gatehouse/fields.hpp"

namespace gatehouse::cache {

// One stored response (a variant of its URL).
struct StoredResponse {
  std::string key;  // the primary key (cache_key.hpp)
  // The request fields its Vary names, lower-case names with normalised values.
  std::vector<std::pair<std::string, std::string>> vary;
  unsigned status = 200;
  std::string reason;
  Fields headers;  // end-to-end fields as stored (no framing, hop-by-hop or private ones)
  std::string body;
  std::time_t request_time = 0;   // when the request that fetched it left
  std::time_t response_time = 0;  // when its response arrived
  std::int64_t initial_age = 0;   // RFC 9111 §4.2.3 corrected_initial_age
  std::int64_t lifetime = 0;      // freshness lifetime, seconds
  CacheControl cc;                // the response's directives
  std::vector<std::string> tags;  // from the tag header (GATEHOUSE_CACHE_TAG_HEADER), for purges

  std::size_t bytes() const;
};
using StoredPtr = std::shared_ptr<const StoredResponse>;

class CacheStore {
 public:
  // `max_bytes` over all shards; `max_variants` per URL.
  CacheStore(std::uint64_t max_bytes, std::size_t max_variants, std::size_t shards = 16);

  // The variant of `key` whose Vary values match `vary_of(name)`, else null.
  // Marks it recently used.
  template <class VaryOf>
  StoredPtr find(std::string_view key, VaryOf&& vary_of);
  // Stores `entry`, replacing the variant with the same Vary values; evicts
  // the least recently used entries of its shard past the shard's budget.
  // An entry larger than the shard's budget is not stored.
  void insert(StoredPtr entry);
  // Stores `fresh` in place of `old` (the variant it revalidated), whatever their Vary values.
  void replace(const StoredPtr& old, StoredPtr fresh);
  // Removes every variant of `key`; returns how many there were.
  std::size_t erase(std::string_view key);
  // Removes every entry for which remove(entry) is true; returns how many.
  template <class Pred>
  std::size_t erase_if(Pred&& remove);

  std::uint64_t bytes() const;
  std::size_t entries() const;
  std::uint64_t evictions() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::list<StoredPtr> lru;  // front: most recently used
    std::unordered_map<std::string, std::vector<std::list<StoredPtr>::iterator>> by_key;
    std::uint64_t bytes = 0;
    std::uint64_t evictions = 0;
    void remove(std::list<StoredPtr>::iterator it);
  };
  Shard& shard_of(std::string_view key);
  // The sum of one figure over the shards, each read under its lock.
  template <class Figure>
  std::uint64_t sum_over_shards(Figure&& figure) const {
    std::uint64_t n = 0;
    for (const auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      n += figure(*s);
    }
    return n;
  }
  static bool same_vary(const StoredResponse& a, const StoredResponse& b) { return a.vary == b.vary; }

  std::vector<std::unique_ptr<Shard>> shards_;
  std::uint64_t shard_budget_;
  std::size_t max_variants_;
};

template <class Pred>
std::size_t CacheStore::erase_if(Pred&& remove) {
  std::size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (auto it = shard->lru.begin(); it != shard->lru.end();) {
      auto next = std::next(it);
      if (remove(**it)) {
        shard->remove(it);
        ++n;
      }
      it = next;
    }
  }
  return n;
}

template <class VaryOf>
StoredPtr CacheStore::find(std::string_view key, VaryOf&& vary_of) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  auto it = s.by_key.find(std::string(key));
  if (it == s.by_key.end()) return nullptr;
  // Newest first: the most recent matching response is used (RFC 9111 §4.1).
  for (auto variant = it->second.rbegin(); variant != it->second.rend(); ++variant) {
    auto entry = *variant;
    const StoredResponse& r = **entry;
    bool match = true;
    for (const auto& [name, value] : r.vary)
      if (vary_of(name) != value) {
        match = false;
        break;
      }
    if (!match) continue;
    s.lru.splice(s.lru.begin(), s.lru, entry);
    return *entry;
  }
  return nullptr;
}

}  // namespace gatehouse::cache
