#include "collapser.hpp"

#include <algorithm>

namespace gatehouse::cache {

Collapser::Lead Collapser::lead_or_wait(std::string_view key, const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = waiting_.try_emplace(std::string(key));
  if (inserted) return Lead(this, it->first);
  it->second.push_back(waiter);
  ++collapsed_;
  return Lead();
}

Collapser::Lead Collapser::try_lead(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = waiting_.try_emplace(std::string(key));
  return inserted ? Lead(this, it->first) : Lead();
}

void Collapser::leave(std::string_view key, const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mutex_);
  auto it = waiting_.find(std::string(key));
  if (it == waiting_.end()) return;
  auto& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), waiter), list.end());
}

void Collapser::finish(const std::string& key) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    woken = std::move(it->second);
    waiting_.erase(it);
  }
  // Each timer is cancelled on its own worker's thread.
  for (auto& w : woken) asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
}

void Collapser::mark_uncacheable(std::string_view key, std::chrono::steady_clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (uncacheable_.size() >= kMaxMarks) uncacheable_.clear();
  uncacheable_[std::string(key)] = until;
}

bool Collapser::is_uncacheable(std::string_view key, std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (uncacheable_.empty()) return false;
  auto it = uncacheable_.find(std::string(key));
  return it != uncacheable_.end() && it->second > now;
}

std::uint64_t Collapser::collapsed() const {
  std::lock_guard lock(mutex_);
  return collapsed_;
}

}  // namespace gatehouse::cache
