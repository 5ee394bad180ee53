#include "gatehouse/stages.hpp"
#include "gatehouse/upstream_call.hpp"
#include "gatehouse/worker.hpp"

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

class UpstreamStage final : public Stage {
 public:
  std::string_view name() const override { return "upstream"; }

  // Retries, only where they cannot run a request twice, and only while the
  // body read so far can be sent again (it fits in the first piece):
  //  - connect failed (nothing was sent): the next endpoint, any method; each
  //    endpoint at most once;
  //  - a pooled connection died before any response byte (the upstream closed
  //    it while idle): once more on a fresh connection, idempotent methods only.
  asio::awaitable<Flow> on_request(Exchange& ex) override {
    const Route& route = *ex.route;
    EndpointSet& set = ex.worker.endpoints(route);
    BodyStart start;
    if (!ex.request_body.done()) {
      start.buffer = std::make_unique<char[]>(kBodyPiece);
      BodyRead first = co_await ex.request_body.read(asio::buffer(start.buffer.get(), kBodyPiece));
      if (!first.ok()) co_return client_failed(ex, first.failure, std::move(first.detail));
      start.size = first.size;
      ex.info.bytes_in = ex.request_body.consumed();
    }
    std::size_t connect_attempts = 0;
    bool stale_retry_used = false;
    AttemptResult last;
    while (true) {
      Endpoint& endpoint = set.pick(std::chrono::steady_clock::now());
      auto call = std::make_unique<UpstreamCall>(ex.worker, set, endpoint, route);
      last = co_await call->run(ex, start);
      switch (last.kind) {
        case AttemptResult::Kind::response:
          ex.upstream_body = std::move(call);
          ex.response_body = ex.upstream_body.get();
          co_return Flow::answered;
        case AttemptResult::Kind::connect_failed:
          if (last.code == ErrorCode::upstream_connect) set.mark_refused(endpoint, std::chrono::steady_clock::now());
          if (++connect_attempts < set.size() && start.replayable(ex.request_body)) {
            count_retry(ex, last.code);
            continue;
          }
          break;
        case AttemptResult::Kind::stale_reuse:
          if (!stale_retry_used && is_idempotent(ex.request.method())) {
            stale_retry_used = true;
            count_retry(ex, last.code);
            continue;
          }
          last.detail = "upstream " + std::string(ex.info.upstream) + " closed the connection: " + last.detail;
          break;
        case AttemptResult::Kind::client_failed:
        case AttemptResult::Kind::failed: break;
      }
      break;
    }
    if (last.kind == AttemptResult::Kind::client_failed) co_return client_failed(ex, last.code, std::move(last.detail));
    ex.answer_problem(last.code, last.detail);
    co_return Flow::answered;
  }

 private:
  // The client broke off, was too slow, sent too much or sent a malformed
  // body: answer (unless it is gone) and close, since the rest of its body is unread.
  static Flow client_failed(Exchange& ex, ErrorCode code, std::string detail) {
    ex.close_connection = true;
    if (code == ErrorCode::client_closed) {
      ex.info.code = code;  // the session writes nothing and logs 499
      ex.info.detail = std::move(detail);
    } else {
      ex.answer_problem(code, std::move(detail));
    }
    return Flow::answered;
  }

  static void count_retry(Exchange& ex, ErrorCode why) { ++ex.worker.metrics().upstream_retries[{ex.info.route_id, why}]; }
};

}  // namespace

std::unique_ptr<Stage> make_upstream_stage() { return std::make_unique<UpstreamStage>(); }

}  // namespace gatehouse
