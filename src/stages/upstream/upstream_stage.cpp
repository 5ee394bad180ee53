#include "upstream_stage.hpp"

#include <fmt/format.h>

#include "gatehouse/upstream_client.hpp"

namespace gatehouse {
namespace {

class UpstreamStage final : public Stage {
 public:
  explicit UpstreamStage(StageServices& services) : client_(services.upstream) {}
  std::string_view name() const override { return "upstream"; }

  Awaitable<Flow> on_request(Exchange& ex) override {
    const Route& route = *ex.route;
    // A request filter that changes the body's length makes it go chunked.
    Framing framing = ex.request_framing;
    if (!ex.request_keeps_length() && framing.has_body) framing = Framing{true, true, std::nullopt};
    std::string target = upstream_path(ex.target.path, route.path_prefix, route.strip_prefix, "");
    if (ex.target.has_query) target.append("?").append(ex.target.query);
    UpstreamRequest upstream_request{ex.request, ex.response, ex.request_body(), framing, std::move(target),
                                     !route.options.preserve_host};
    // A route that does not pass upgrades on sends the GET without them (as
    // nginx does unless told to): the upstream answers it as a plain GET.
    upstream_request.websocket = ex.websocket_upgrade && route.options.websocket;
    UpstreamResult result = co_await client_.send(route, upstream_request);
    ex.info.upstream = result.endpoint;
    ex.info.connect_us = result.connect_us;
    ex.request_sent = result.request_sent;
    ex.request_started = result.request_started;
    if (result.client_failed) co_return client_failed(ex, result.code, std::move(result.detail));
    if (!result.ok()) {
      ex.response.reset();  // what a failed attempt read of a head is not this answer's
      ex.answer_problem(result.code, std::move(result.detail));
      co_return Flow::answered;
    }
    UpstreamCall& call = *result.call;
    if (call.head().result_int() >= 500) {
      // Passed on as it is; the access line and the error reporter take note.
      ex.info.code = ErrorCode::upstream_5xx;
      ex.info.detail = fmt::format("upstream {} answered {}", call.authority(), call.head().result_int());
    }
    auto length = call.length();
    ex.set_response_body(std::move(result.call), length);
    co_return Flow::answered;
  }

  void on_complete(Exchange& ex, const Outcome&) noexcept override {
    if (auto* call = ex.response_body_as<UpstreamCall>(); call && call->service_us() != RequestInfo::kUnset)
      ex.info.service_us = call->service_us();
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

  UpstreamClient& client_;
};

class UpstreamFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "upstream"; }
  std::unique_ptr<Stage> create(StageServices& services) const override { return std::make_unique<UpstreamStage>(services); }
};

}  // namespace

std::unique_ptr<StageFactory> upstream_stage_factory() { return std::make_unique<UpstreamFactory>(); }

}  // namespace gatehouse
