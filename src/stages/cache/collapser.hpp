#pragma once
// Request collapsing: concurrent misses for one key become one upstream
// request. The first miss leads; the others wait, each on its own worker's
// timer, for at most the collapse wait, and look again when the leader is
// done. Shared by every worker: the waiters of one key may be on several
// threads, so a leader wakes each by posting to that waiter's own executor.
// The lock is held for a map operation, never across a co_await.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gatehouse/net.hpp"

namespace gatehouse::cache {

class Collapser {
 public:
  // One waiter: its timer lives here, shared with the wake-up posted to it,
  // so a waiter that gave up and left frees nothing under a late wake-up.
  struct Waiter {
    explicit Waiter(Executor ex) : timer(ex) {}
    asio::steady_timer timer;
  };

  // Held by the leader of a key; done() (or its destruction) wakes the waiters.
  class Lead {
   public:
    Lead() = default;
    Lead(Collapser* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    Lead(Lead&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), key_(std::move(o.key_)) {}
    Lead& operator=(Lead&& o) noexcept {
      if (this != &o) {
        done();
        owner_ = std::exchange(o.owner_, nullptr);
        key_ = std::move(o.key_);
      }
      return *this;
    }
    ~Lead() { done(); }
    explicit operator bool() const { return owner_ != nullptr; }
    // The leader's result is known (stored, or not storable): wake the waiters.
    void done() {
      if (owner_) std::exchange(owner_, nullptr)->finish(key_);
    }

   private:
    Collapser* owner_ = nullptr;
    std::string key_;
  };

  // Leads `key` when nobody does (the returned Lead is set); else registers
  // `waiter`, to be woken when the leader is done, and returns an empty Lead.
  Lead lead_or_wait(std::string_view key, const std::shared_ptr<Waiter>& waiter);
  // Leads `key` when nobody does; else an empty Lead (nothing registered).
  Lead try_lead(std::string_view key);
  // A waiter that timed out leaves the key's list.
  void leave(std::string_view key, const std::shared_ptr<Waiter>& waiter);
  // A key whose last response could not be stored is not collapsed for a
  // while (Varnish's hit-for-miss): its requests go upstream at once, side
  // by side, rather than each waiting for the one before to say "not stored".
  void mark_uncacheable(std::string_view key, std::chrono::steady_clock::time_point until);
  bool is_uncacheable(std::string_view key, std::chrono::steady_clock::time_point now) const;
  // How many requests waited on a leader (gatehouse_cache_collapsed_total).
  std::uint64_t collapsed() const;

 private:
  void finish(const std::string& key);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Waiter>>> waiting_;  // key -> waiters, while led
  std::uint64_t collapsed_ = 0;
  // Bounded: past kMaxMarks the marks are forgotten (keys collapse again).
  static constexpr std::size_t kMaxMarks = 10000;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> uncacheable_;
};

}  // namespace gatehouse::cache
