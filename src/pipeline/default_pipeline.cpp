// The order of the request pipeline, in one place. Requests go down this
// list; response hooks run back up it. The session around the pipeline reads
// and checks the request head before it (framing, limits) and writes exactly
// one access-log line after it, on every path (RequestCompletion).
#include "gatehouse/pipeline.hpp"
#include "gatehouse/stages.hpp"

namespace gatehouse {

Pipeline make_default_pipeline() {
  Pipeline p;
  // Outermost: gives the request its id and client address before anything can answer,
  // so that every response, even a 404, carries X-Request-Id.
  p.add(make_observe_stage());
  // Decides where the request goes; answers health checks, 404 and 405 locally.
  p.add(make_route_stage());
  // [rest]        REST rules on the request and response (report / enforce) go here: after
  //               routing, because rules are per route; before the cache, so that a
  //               rejected request never reaches it.
  // [cache]       GET responses (RFC 9111) go here: after rest, before idempotency and upstream.
  // [idempotency] PUT/PATCH(/POST) keys go here: the last step before the upstream.
  // Terminal: proxies to the route's upstream.
  p.add(make_upstream_stage());
  return p;
}

}  // namespace gatehouse
