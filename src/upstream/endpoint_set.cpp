#include "gatehouse/endpoint_set.hpp"

namespace gatehouse {

EndpointSet::EndpointSet(const Route& route, const Settings& settings)
    : cooldown_(settings.endpoint_cooldown),
      idle_timeout_(settings.pool_idle_timeout),
      max_idle_(settings.pool_max_idle) {
  for (const auto& url : route.upstreams) {
    Endpoint e;
    e.url = &url;
    e.authority = url.authority();
    endpoints_.push_back(std::move(e));
  }
}

Endpoint& EndpointSet::pick(Clock::time_point now) {
  Endpoint* soonest = nullptr;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    Endpoint& e = endpoints_[(next_ + i) % endpoints_.size()];
    if (e.cooldown_until <= now) {
      next_ = (next_ + i + 1) % endpoints_.size();
      return e;
    }
    if (!soonest || e.cooldown_until < soonest->cooldown_until) soonest = &e;
  }
  next_ = (next_ + 1) % endpoints_.size();
  return *soonest;
}

void EndpointSet::mark_refused(Endpoint& e, Clock::time_point now) {
  e.cooldown_until = now + cooldown_;
  e.idle.clear();  // its pooled connections are no better
}

}  // namespace gatehouse
