#include "memory_store.hpp"

namespace gatehouse::idempotency {

MemoryStore::Entry* MemoryStore::find(const std::string& key, Clock::time_point now) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (it->second->expires <= now) {
    erase(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  Entry& e = *it->second;
  // A holder that stopped renewing (it crashed, or hung): the request may
  // have run, so the key is not free again; it reads as outcome unknown.
  if (e.state == KeyState::in_flight && e.lease_until <= now) e.state = KeyState::unknown;
  return &e;
}

void MemoryStore::erase(Lru::iterator it) {
  bytes_ -= it->size();
  index_.erase(it->key);
  lru_.erase(it);
}

void MemoryStore::drop_expired(Clock::time_point now) {
  // The least recently used end holds the oldest keys: a few expired ones go
  // with each claim, so memory follows the retention, not only the bound.
  for (int i = 0; i < 4 && !lru_.empty() && lru_.back().expires <= now; ++i) erase(std::prev(lru_.end()));
}

void MemoryStore::fit() {
  // The least recently used go first. An evicted key is forgotten before its
  // retention ends: size GATEHOUSE_IDEMPOTENCY_MEMORY_MAX_BYTES for the
  // retention's traffic (the eviction counter says when it is too small).
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
}

std::optional<ClaimAnswer> MemoryStore::claim_now(const std::string& key, const std::string& lease, const std::string& fingerprint,
                                                  Millis lease_for, Millis retention) {
  ClaimAnswer a;
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    drop_expired(now);
    if (Entry* e = find(key, now)) {
      a.kind = ClaimAnswer::Kind::existing;
      a.state = e->state;
      a.fingerprint = e->fingerprint;
      a.body_hash = e->body_hash;
      if (e->state == KeyState::done) a.response = e->response;
    } else {
      lru_.push_front(Entry{key, KeyState::in_flight, lease, fingerprint, {}, {}, now + lease_for, now + retention});
      index_.emplace(lru_.front().key, lru_.begin());
      bytes_ += lru_.front().size();
      fit();
      a.kind = ClaimAnswer::Kind::claimed;
    }
  }
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
    if (Entry* e = find(key, now); e && e->lease == lease && e->state == KeyState::in_flight) {
      e->lease_until = now + lease_for;
      a.held = true;
    }
  }
  co_return a;
}

std::optional<ChangeAnswer> MemoryStore::finish_now(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) {
  ChangeAnswer a{true, false, {}};
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    // The lease is the fencing token: only the claim's own holder records its
    // outcome (also after its lease ran out, while no one else holds the key).
    if (Entry* e = find(key, now); e && e->lease == lease && (e->state == KeyState::in_flight || e->state == KeyState::unknown)) {
      bytes_ -= e->size();
      e->state = outcome.state;
      e->body_hash = outcome.body_hash;
      e->response = outcome.state == KeyState::done ? outcome.response : std::string();
      e->expires = now + retention;
      bytes_ += e->size();
      fit();
      a.held = true;
    }
  }
  return a;
}

Awaitable<ChangeAnswer> MemoryStore::finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) {
  co_return *finish_now(key, lease, outcome, retention);
}

std::optional<ChangeAnswer> MemoryStore::release_now(const std::string& key, const std::string& lease) {
  ChangeAnswer a{true, false, {}};
  {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end() && it->second->lease == lease && it->second->state == KeyState::in_flight) {
      erase(it->second);
      a.held = true;
    }
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
