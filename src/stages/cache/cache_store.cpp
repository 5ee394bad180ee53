#include "cache_store.hpp"

#include <algorithm>
#include <functional>

namespace gatehouse::cache {

std::size_t StoredResponse::bytes() const {
  std::size_t n = sizeof(*this) + key.size() + reason.size() + body.size() + headers.wire_size();
  for (const auto& [name, value] : vary) n += name.size() + value.size() + 64;
  return n;
}

CacheStore::CacheStore(std::uint64_t max_bytes, std::size_t max_variants, std::size_t shards)
    : shard_budget_(max_bytes / std::max<std::size_t>(shards, 1)), max_variants_(std::max<std::size_t>(max_variants, 1)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i) shards_.push_back(std::make_unique<Shard>());
}

CacheStore::Shard& CacheStore::shard_of(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void CacheStore::Shard::remove(std::list<StoredPtr>::iterator it) {
  auto found = by_key.find((*it)->key);
  if (found != by_key.end()) {
    auto& variants = found->second;
    variants.erase(std::remove(variants.begin(), variants.end(), it), variants.end());
    if (variants.empty()) by_key.erase(found);
  }
  bytes -= (*it)->bytes();
  lru.erase(it);
}

void CacheStore::insert(StoredPtr entry) {
  std::size_t size = entry->bytes();
  if (size > shard_budget_) return;
  Shard& s = shard_of(entry->key);
  std::lock_guard lock(s.mutex);
  auto& variants = s.by_key[entry->key];
  // The same variant is replaced; past the cap, the URL's oldest variant goes.
  for (auto it : variants)
    if (same_vary(**it, *entry)) {
      s.remove(it);
      break;
    }
  auto& again = s.by_key[entry->key];  // remove() may have dropped the key
  if (again.size() >= max_variants_) {
    auto oldest = *std::max_element(again.begin(), again.end(), [&](auto a, auto b) {
      return std::distance(s.lru.begin(), a) < std::distance(s.lru.begin(), b);
    });
    s.remove(oldest);
    ++s.evictions;
  }
  s.lru.push_front(std::move(entry));
  s.bytes += size;
  s.by_key[s.lru.front()->key].push_back(s.lru.begin());
  while (s.bytes > shard_budget_ && s.lru.size() > 1) {
    s.remove(std::prev(s.lru.end()));
    ++s.evictions;
  }
}

void CacheStore::replace(const StoredPtr& old, StoredPtr fresh) {
  {
    Shard& s = shard_of(old->key);
    std::lock_guard lock(s.mutex);
    if (auto found = s.by_key.find(old->key); found != s.by_key.end())
      for (auto it : found->second)
        if (*it == old) {
          s.remove(it);
          break;
        }
  }
  insert(std::move(fresh));
}

std::size_t CacheStore::erase(std::string_view key) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  auto found = s.by_key.find(std::string(key));
  if (found == s.by_key.end()) return 0;
  auto variants = found->second;
  for (auto it : variants) s.remove(it);
  return variants.size();
}

std::uint64_t CacheStore::bytes() const {
  return sum_over_shards([](const Shard& s) { return s.bytes; });
}

std::size_t CacheStore::entries() const {
  return sum_over_shards([](const Shard& s) { return s.lru.size(); });
}

std::uint64_t CacheStore::evictions() const {
  return sum_over_shards([](const Shard& s) { return s.evictions; });
}

}  // namespace gatehouse::cache
