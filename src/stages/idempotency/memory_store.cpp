#include "memory_store.hpp"

#include <functional>

namespace gatehouse::idempotency {

MemoryStore::Entry* MemoryStore::Entry::make(std::string_view key, std::string_view lease, std::string_view fingerprint) {
  static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  void* memory = ::operator new(sizeof(Entry) + key.size() + lease.size() + fingerprint.size());
  Entry* e = new (memory) Entry;
  char* text = reinterpret_cast<char*>(e + 1);
  key.copy(text, key.size());
  lease.copy(text + key.size(), lease.size());
  fingerprint.copy(text + key.size() + lease.size(), fingerprint.size());
  e->key_size = static_cast<std::uint32_t>(key.size());
  e->lease_size = static_cast<std::uint32_t>(lease.size());
  e->fingerprint_size = static_cast<std::uint32_t>(fingerprint.size());
  return e;
}

void MemoryStore::Entry::destroy(Entry* e) {
  e->~Entry();
  ::operator delete(e);
}

MemoryStore::~MemoryStore() {
  for (Entry* e = head_; e;) Entry::destroy(std::exchange(e, e->older));
}

std::size_t MemoryStore::slot_of(std::string_view key, std::size_t hash) const {
  std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].entry && !(slots_[i].hash == hash && slots_[i].entry->key() == key)) i = (i + 1) & mask;
  return i;
}

std::size_t MemoryStore::hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

MemoryStore::Entry* MemoryStore::lookup(std::string_view key, std::size_t hash) const {
  return slots_.empty() ? nullptr : slots_[slot_of(key, hash)].entry;
}

MemoryStore::Entry* MemoryStore::find(std::string_view key, std::size_t hash, Clock::time_point now) {
  Entry* e = lookup(key, hash);
  if (!e) return nullptr;
  if (e->expires <= now) {
    erase(e);
    return nullptr;
  }
  unlink(e);
  link_newest(e);
  // A holder that stopped renewing (it crashed, or hung): the request may
  // have run, so the key is not free again; it reads as outcome unknown.
  if (e->state == KeyState::in_flight && e->lease_until <= now) e->state = KeyState::unknown;
  return e;
}

void MemoryStore::grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::max<std::size_t>(1024, slots_.size() * 2)));
  std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.entry) continue;
    std::size_t i = s.hash & mask;  // keys are unique: the first empty slot
    while (slots_[i].entry) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void MemoryStore::insert(Entry* e) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  slots_[slot_of(e->key(), e->hash)] = Slot{e->hash, e};
  ++count_;
  link_newest(e);
  bytes_ += e->size();
}

void MemoryStore::erase(Entry* e) {
  // Backward-shift deletion: the slots after the hole that probed past it
  // move up, so every lookup still stops at its first empty slot.
  std::size_t mask = slots_.size() - 1;
  std::size_t hole = e->hash & mask;
  while (slots_[hole].entry != e) hole = (hole + 1) & mask;  // by address: the evicted key's text stays cold
  for (std::size_t i = (hole + 1) & mask; slots_[i].entry; i = (i + 1) & mask) {
    std::size_t home = slots_[i].hash & mask;
    // Moves when its home is not in (hole, i], cyclically.
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = Slot{};
  --count_;
  unlink(e);
  bytes_ -= e->size();
  Entry::destroy(e);
}

void MemoryStore::link_newest(Entry* e) {
  e->older = head_;
  e->newer = nullptr;
  if (head_) head_->newer = e;
  head_ = e;
  if (!tail_) tail_ = e;
}

void MemoryStore::unlink(Entry* e) {
  (e->newer ? e->newer->older : head_) = e->older;
  (e->older ? e->older->newer : tail_) = e->newer;
  e->newer = e->older = nullptr;
}

void MemoryStore::drop_expired(Clock::time_point now) {
  // The least recently used end holds the oldest keys: a few expired ones go
  // with each claim, so memory follows the retention, not only the bound.
  for (int i = 0; i < 4 && tail_ && tail_->expires <= now; ++i) erase(tail_);
}

void MemoryStore::fit() {
  // The least recently used go first. An evicted key is forgotten before its
  // retention ends: size GATEHOUSE_IDEMPOTENCY_MEMORY_MAX_BYTES for the
  // retention's traffic (the eviction counter says when it is too small).
  while (bytes_ > max_bytes_ && count_ > 1) {
    erase(tail_);
    ++evictions_;
  }
}

std::optional<ClaimAnswer> MemoryStore::claim_now(const std::string& key, const std::string& lease, const std::string& fingerprint,
                                                  Millis lease_for, Millis retention) {
  ClaimAnswer a;
  // Built before the lock: the allocation is not made under it.
  std::unique_ptr<Entry, void (*)(Entry*)> fresh(Entry::make(key, lease, fingerprint), &Entry::destroy);
  fresh->hash = hash_of(key);
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  drop_expired(now);
  if (Entry* e = find(key, fresh->hash, now)) {
    a.kind = ClaimAnswer::Kind::existing;
    a.state = e->state;
    a.fingerprint = e->fingerprint();
    a.body_hash = e->body_hash;
    if (e->state == KeyState::done) a.response = e->response;
    return a;
  }
  fresh->lease_until = now + lease_for;
  fresh->expires = now + retention;
  insert(fresh.release());
  fit();
  a.kind = ClaimAnswer::Kind::claimed;
  return a;
}

Awaitable<ClaimAnswer> MemoryStore::claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                                          Millis retention) {
  co_return *claim_now(key, lease, fingerprint, lease_for, retention);
}

Awaitable<ChangeAnswer> MemoryStore::renew(const std::string& key, const std::string& lease, Millis lease_for) {
  ChangeAnswer a{true, false, {}};
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (Entry* e = find(key, hash_of(key), now); e && e->lease() == lease && e->state == KeyState::in_flight) {
      e->lease_until = now + lease_for;
      a.held = true;
    }
  }
  co_return a;
}

std::optional<ChangeAnswer> MemoryStore::finish_now(const std::string& key, const std::string& lease, Finish&& outcome, Millis retention) {
  ChangeAnswer a{true, false, {}};
  if (outcome.state != KeyState::done) outcome.response.clear();
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  // The lease is the fencing token: only the claim's own holder records its
  // outcome (also after its lease ran out, while no one else holds the key).
  if (Entry* e = find(key, hash_of(key), now); e && e->lease() == lease && (e->state == KeyState::in_flight || e->state == KeyState::unknown)) {
    bytes_ -= e->size();
    e->state = outcome.state;
    e->body_hash.swap(outcome.body_hash);
    e->response.swap(outcome.response);
    e->expires = now + retention;
    bytes_ += e->size();
    fit();
    a.held = true;
  }
  return a;  // an old outcome, if any, swapped into `outcome`, is freed by the caller after the lock
}

Awaitable<ChangeAnswer> MemoryStore::finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) {
  co_return *finish_now(key, lease, Finish(outcome), retention);
}

std::optional<ChangeAnswer> MemoryStore::release_now(const std::string& key, const std::string& lease) {
  ChangeAnswer a{true, false, {}};
  std::lock_guard lock(mutex_);
  Entry* e = lookup(key, hash_of(key));  // as it is: a release neither expires nor refreshes a key
  if (e && e->lease() == lease && e->state == KeyState::in_flight) {
    erase(e);
    a.held = true;
  }
  return a;
}

Awaitable<ChangeAnswer> MemoryStore::release(const std::string& key, const std::string& lease) { co_return *release_now(key, lease); }

std::uint64_t MemoryStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::uint64_t MemoryStore::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

}  // namespace gatehouse::idempotency
