#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "gatehouse/health.hpp"
#include "gatehouse/route_table.hpp"
#include "route_stage.hpp"
#include "gatehouse/values.hpp"
#include "gatehouse/metrics.hpp"

namespace gatehouse {
namespace {

std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') return to_lower(host.substr(0, host.find(']') + 1));
  return to_lower(host.substr(0, host.find(':')));
}

class RouteStage final : public Stage {
 public:
  explicit RouteStage(StageServices& services) : services_(services) {}
  std::string_view name() const override { return "route"; }

  // Never waits: decided without a coroutine frame.
  std::optional<Flow> on_request_now(Exchange& ex) override {
    if (ex.info.target == "*") {
      if (ex.request.method() != http::verb::options) {
        ex.answer_problem(ErrorCode::bad_request, "the target * is only for OPTIONS");
        ex.close_connection = true;
        return Flow::answered;
      }
      answer_server_options(ex);
      return Flow::answered;
    }
    auto target = normalize_target(ex.info.target);
    if (!target) {
      ex.answer_problem(ErrorCode::bad_request, "request target is not a path this gateway can forward");
      ex.close_connection = true;
      return Flow::answered;
    }
    ex.target = std::move(*target);
    // An absolute-form target's authority replaces Host (RFC 9112 §3.2.2).
    if (!ex.target.authority.empty()) ex.request.set(http::field::host, ex.target.authority);
    ex.host = host_without_port(ex.request[http::field::host]);

    if (answer_locally(ex)) return Flow::answered;

    const Route* route = services_.routes.match(ex.host, ex.target.path);
    if (!route) {
      ex.answer_problem(ErrorCode::no_route, fmt::format("no route for {}", ex.target.path));
      return Flow::answered;
    }
    ex.route = route;
    ex.info.route = route->name;
    ex.info.route_id = static_cast<std::int16_t>(route - services_.settings.routes.data());
    // A method the route does not allow is the REST stage's (rule method-not-allowed).
    ex.request_body_limit = route->options.max_body_size;
    if (ex.request_body_limit && ex.request_framing.length && *ex.request_framing.length > ex.request_body_limit) {
      ex.answer_problem(ErrorCode::too_large,
                        fmt::format("request body of {} bytes is over the limit of {} bytes", *ex.request_framing.length, ex.request_body_limit));
      ex.close_connection = true;  // the body is not read
      return Flow::answered;
    }
    return Flow::next;
  }

 private:
  // /healthz: the process serves requests. /readyz: it wants new ones (503 while draining).
  bool answer_locally(Exchange& ex) const {
    const std::string& path = ex.target.path;
    auto method = ex.request.method();
    if (method != http::verb::get && method != http::verb::head) return false;
    auto health = health_answer(path, services_.draining.load(std::memory_order_relaxed));
    if (!health) return false;
    ex.info.route = path == "/healthz" ? "_healthz" : "_readyz";
    ex.info.route_id = path == "/healthz" ? kRouteHealthz : kRouteReadyz;
    ex.answer(static_cast<http::status>(health->status), std::string(health->json_body), "application/json");
    ex.response.set(http::field::cache_control, "no-store");
    return true;
  }

  // OPTIONS * asks about the server, not a resource (RFC 9110 §9.3.7): the
  // methods some route accepts, or every usual one when a route takes any.
  void answer_server_options(Exchange& ex) const {
    std::set<std::string> methods;
    bool any = false;
    for (const auto& route : services_.settings.routes) {
      any = any || route.methods.empty();
      methods.insert(route.methods.begin(), route.methods.end());
    }
    if (any) methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    methods.insert("OPTIONS");
    ex.answer(http::status::ok, "", "text/plain");
    ex.response.erase(http::field::content_type);
    ex.response.set(http::field::allow, fmt::format("{}", fmt::join(methods, ", ")));
  }

  StageServices& services_;
};

class RouteFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "route"; }
  std::unique_ptr<Stage> create(StageServices& services) const override { return std::make_unique<RouteStage>(services); }
};

}  // namespace

std::unique_ptr<StageFactory> route_stage_factory() { return std::make_unique<RouteFactory>(); }

}  // namespace gatehouse
