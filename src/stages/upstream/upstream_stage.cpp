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

  // Retries, only where they cannot run a request twice:
  //  - connect failed (nothing was sent): the next endpoint, any method, while
  //    the client's body is untouched; each endpoint at most once;
  //  - a pooled connection died before any response byte (the upstream closed
  //    it while idle): once more on a fresh connection, idempotent methods only.
  asio::awaitable<Flow> on_request(Exchange& ex) override {
    const Route& route = *ex.route;
    EndpointSet& set = ex.worker.endpoints(route);
    std::size_t connect_attempts = 0;
    bool stale_retry_used = false;
    AttemptResult last;
    while (true) {
      Endpoint& endpoint = set.pick(std::chrono::steady_clock::now());
      auto call = std::make_unique<UpstreamCall>(ex.worker, set, endpoint, route);
      last = co_await call->run(ex);
      switch (last.kind) {
        case AttemptResult::Kind::response:
          ex.upstream_body = std::move(call);
          ex.response_body = ex.upstream_body.get();
          co_return Flow::answered;
        case AttemptResult::Kind::connect_failed:
          if (last.code == ErrorCode::upstream_connect) set.mark_refused(endpoint, std::chrono::steady_clock::now());
          if (++connect_attempts < set.size() && ex.request_body.consumed() == 0) {
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
    ex.close_connection = ex.close_connection || last.kind == AttemptResult::Kind::client_failed;
    if (last.code == ErrorCode::client_closed) {
      ex.info.code = last.code;  // the session writes nothing and logs 499
      ex.info.detail = std::move(last.detail);
      co_return Flow::answered;
    }
    ex.answer_problem(last.code, last.detail);
    co_return Flow::answered;
  }

 private:
  static void count_retry(Exchange& ex, ErrorCode why) { ++ex.worker.metrics().upstream_retries[{ex.info.route_id, why}]; }
};

}  // namespace

std::unique_ptr<Stage> make_upstream_stage() { return std::make_unique<UpstreamStage>(); }

}  // namespace gatehouse
