#include "gatehouse/upstream_client.hpp"

#include "gatehouse/clock.hpp"

namespace gatehouse {
namespace {

// RFC 9110 §9.2.2: repeating these has the same effect as sending them once.
bool is_idempotent(http::verb m) {
  switch (m) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::put:
    case http::verb::delete_:
    case http::verb::options:
    case http::verb::trace: return true;
    default: return false;
  }
}

}  // namespace

UpstreamClient::UpstreamClient(UpstreamContext ctx, const Settings& settings, MetricsShard& metrics)
    : ctx_(ctx), settings_(settings), metrics_(metrics) {
  endpoint_sets_.reserve(settings.routes.size());
  for (const auto& route : settings.routes) endpoint_sets_.emplace_back(route, settings);
}

EndpointSet& UpstreamClient::endpoints(const Route& route) { return endpoint_sets_.at(static_cast<std::size_t>(route_id(route))); }

void UpstreamClient::sweep(std::chrono::steady_clock::time_point now) {
  for (auto& set : endpoint_sets_) set.sweep(now);
}

void UpstreamClient::close_all_idle() {
  for (auto& set : endpoint_sets_) set.close_all_idle();
}

// Retries, only where they cannot run a request twice, and only while the
// body read so far can be sent again (it fits in the first piece):
//  - connect failed (nothing was sent): the next endpoint, any method; each
//    endpoint at most once;
//  - a pooled connection died before any response byte (the upstream closed
//    it while idle): once more on a fresh connection, idempotent methods only.
Awaitable<UpstreamResult> UpstreamClient::send(const Route& route, UpstreamRequest& req) {
  UpstreamResult result;
  EndpointSet& set = endpoints(route);
  BodyStart start;
  // The first piece is what has arrived. A body whose Content-Length fits in
  // one piece is read whole (as nginx buffers a body before it connects): it
  // can then be sent again whatever the attempts meet. A larger or chunked
  // body streams from its first bytes on, and is replayable only while
  // nothing past the first piece was sent.
  bool read_whole = req.framing.length && *req.framing.length <= kBodyPiece;
  if (!req.body.done()) start.buffer = ctx_.pieces.take();
  while (!req.body.done() && start.size < kBodyPiece && (start.size == 0 || read_whole)) {
    BodyRead piece = co_await req.body.read(asio::buffer(start.buffer.get() + start.size, kBodyPiece - start.size));
    if (!piece.ok()) {
      result.code = piece.failure;
      result.detail = std::move(piece.detail);
      result.client_failed = true;
      co_return result;
    }
    if (piece.size == 0) break;
    start.size += piece.size;
  }
  auto count_retry = [&](ErrorCode why) { ++metrics_.upstream_retries[{route_id(route), why}]; };
  std::size_t connect_attempts = 0;
  bool stale_retry_used = false;
  AttemptResult last;
  while (true) {
    Endpoint& endpoint = set.pick(coarse_now());
    auto call = std::make_unique<UpstreamCall>(ctx_, set, endpoint, route.options);
    last = co_await call->run(req, start);
    result.endpoint = endpoint.authority;
    result.request_sent = result.request_sent || call->request_sent();  // any attempt may have acted
    result.request_started = result.request_started || call->request_started();
    if (call->connect_us() != RequestInfo::kUnset) result.connect_us = call->connect_us();
    switch (last.kind) {
      case AttemptResult::Kind::response: result.call = std::move(call); co_return result;
      case AttemptResult::Kind::connect_failed:
        if (last.code == ErrorCode::upstream_connect) set.mark_refused(endpoint, std::chrono::steady_clock::now());
        if (++connect_attempts < set.size() && start.replayable(req.body)) {
          count_retry(last.code);
          continue;
        }
        break;
      case AttemptResult::Kind::stale_reuse:
        if (!stale_retry_used && is_idempotent(req.message.method())) {
          stale_retry_used = true;
          count_retry(last.code);
          continue;
        }
        last.detail = "upstream " + endpoint.authority + " closed the connection: " + last.detail;
        break;
      case AttemptResult::Kind::client_failed:
      case AttemptResult::Kind::failed: break;
    }
    break;
  }
  result.code = last.code;
  result.detail = std::move(last.detail);
  result.client_failed = last.kind == AttemptResult::Kind::client_failed;
  co_return result;
}

}  // namespace gatehouse
