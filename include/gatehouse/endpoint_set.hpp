#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "gatehouse/settings.hpp"
#include "gatehouse/upstream_connection.hpp"

namespace gatehouse {

// One upstream endpoint as one worker sees it: its idle connections and
// whether it recently refused connections. Per worker, so no locks.
struct Endpoint {
  const UpstreamUrl* url = nullptr;
  std::string authority;  // for the log line
  std::chrono::steady_clock::time_point cooldown_until{};
  std::vector<std::unique_ptr<UpstreamConnection>> idle;  // most recently used last
};

// The endpoints of one route: round-robin, skipping endpoints in cooldown.
class EndpointSet {
 public:
  using Clock = std::chrono::steady_clock;
  EndpointSet(const Route& route, const Settings& settings);

  // The next endpoint in turn that is not cooling down; when all are, the
  // one whose cooldown ends first (so a recovered service is found again).
  Endpoint& pick(Clock::time_point now);
  void mark_refused(Endpoint& e, Clock::time_point now);
  std::size_t size() const { return endpoints_.size(); }

  // Takes a reusable idle connection, dropping stale and broken ones.
  std::unique_ptr<UpstreamConnection> acquire(Endpoint& e, Clock::time_point now);
  // Returns a connection whose exchange ended cleanly with keep-alive.
  void release(Endpoint& e, std::unique_ptr<UpstreamConnection> c, Clock::time_point now);
  // Closes idle connections older than the pool's idle timeout.
  void sweep(Clock::time_point now);
  void close_all_idle();

 private:
  std::vector<Endpoint> endpoints_;
  std::size_t next_ = 0;
  std::chrono::milliseconds cooldown_;
  std::chrono::milliseconds idle_timeout_;
  unsigned max_idle_;
};

}  // namespace gatehouse
