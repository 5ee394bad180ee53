// The order of the request pipeline, in one place. Requests go down this
// list; response-head and completion hooks run back up it. The session around
// the pipeline reads and checks the request head before it (framing, limits)
// and writes exactly one access-log line after it, on every path.
#include "../stages/cache/cache_stage.hpp"
#include "../stages/idempotency/idempotency_stage.hpp"
#include "../stages/observe/observe_stage.hpp"
#include "../stages/rest/rest_stage.hpp"
#include "../stages/route/route_stage.hpp"
#include "../stages/upstream/upstream_stage.hpp"

namespace gatehouse {

StageFactories default_stage_factories() {
  StageFactories f;
  // Outermost: gives the request its id and client address before anything can answer,
  // so that every response, even a 404, carries X-Request-Id.
  f.push_back(observe_stage_factory());
  // Decides where the request goes; answers health checks and 404 locally.
  f.push_back(route_stage_factory());
  // REST rules on the request and response (report / enforce), and the
  // route's METHODS (405): after routing, because rules are per route;
  // before the cache, so that a refused request never reaches it.
  f.push_back(rest_stage_factory());
  // GET responses (RFC 9111): after rest, before idempotency and upstream.
  f.push_back(cache_stage_factory());
  // Idempotency keys of PUT and PATCH: the last step before the upstream, so
  // that a request refused earlier never claims a key.
  f.push_back(idempotency_stage_factory());
  // Terminal: proxies to the route's upstream.
  f.push_back(upstream_stage_factory());
  return f;
}

}  // namespace gatehouse
