#pragma once
#include <memory>
#include <string>
#include <vector>

#include "gatehouse/upstream_call.hpp"

namespace gatehouse {

// What became of a request sent through the UpstreamClient.
struct UpstreamResult {
  // The response: set when a response head arrived. It is the response body
  // too (a BodySource), with its head in call->head().
  std::unique_ptr<UpstreamCall> call;
  // Otherwise why not: an upstream failure, or the client failed while its
  // body was read (client_failed), with the access-log code and a short text.
  ErrorCode code = ErrorCode::none;
  std::string detail;
  bool client_failed = false;
  // The endpoint last tried ("-" when none), and the whole request reached
  // it (so it may have acted).
  std::string endpoint = "-";
  bool request_sent = false;
  bool request_started = false;  // some of it may have reached an endpoint (a write was begun)
  std::int64_t connect_us = RequestInfo::kUnset;

  bool ok() const { return call != nullptr; }
};

// Sends requests to a route's upstreams: picks an endpoint, takes a pooled
// connection or opens one, writes the request, reads the response head, and
// retries where that cannot run a request twice. It knows nothing of the
// client or of Exchange, so a stage can send a request of its own (a cache
// revalidation) and tests can drive it directly. One per worker; it owns the
// worker's connection pools.
class UpstreamClient {
 public:
  UpstreamClient(UpstreamContext ctx, const Settings& settings, MetricsShard& metrics);

  // The route must be one of settings.routes (the client keeps a pool per route).
  Awaitable<UpstreamResult> send(const Route& route, UpstreamRequest& req);

  EndpointSet& endpoints(const Route& route);
  // Closes idle pooled connections past their idle timeout, or all of them.
  void sweep(std::chrono::steady_clock::time_point now);
  void close_all_idle();

 private:
  std::int16_t route_id(const Route& route) const { return static_cast<std::int16_t>(&route - settings_.routes.data()); }

  UpstreamContext ctx_;
  const Settings& settings_;
  MetricsShard& metrics_;
  std::vector<EndpointSet> endpoint_sets_;  // one per route, in settings order
};

}  // namespace gatehouse
