#include <fmt/format.h>

#include "gatehouse/forwarded.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/request_id.hpp"
#include "observe_config.hpp"
#include "observe_stage.hpp"

namespace gatehouse {
namespace {

std::optional<std::string_view> field(const Fields& f, std::string_view name) {
  auto it = f.find(name);
  if (it == f.end()) return std::nullopt;
  return it->value;
}

class ObserveStage final : public Stage {
 public:
  // Each worker's stage keeps its own copy of the settings: it may outlive the factory.
  ObserveStage(StageServices& services, ObserveConfig config) : services_(services), config_(std::move(config)) {}
  std::string_view name() const override { return "observe"; }

  // Never waits: decided without a coroutine frame.
  std::optional<Flow> on_request_now(Exchange& ex) override {
    auto& req = ex.request;
    auto incoming = field(req, "X-Request-Id");
    ex.info.request_id = incoming && is_valid_request_id(*incoming) ? std::string(*incoming) : services_.request_ids.next();
    req.set("X-Request-Id", ex.info.request_id);

    // Several X-Forwarded-For lines form one list (RFC 9110 §5.3).
    std::string incoming_for;
    for_each_value(req, "X-Forwarded-For", [&](std::string_view v) { incoming_for.append(incoming_for.empty() ? "" : ", ").append(v); });
    auto f = compute_forwarded(ex.peer_address, incoming_for.empty() ? std::nullopt : std::optional<std::string_view>(incoming_for),
                               field(req, "X-Forwarded-Proto"), field(req, "X-Forwarded-Host"), ex.client_tls ? "https" : "http",
                               req[http::field::host], config_.trusted_proxies);
    ex.info.client = f.client;
    req.set("X-Forwarded-For", f.for_value);
    req.set("X-Forwarded-Proto", f.proto_value);
    if (!f.host_value.empty()) req.set("X-Forwarded-Host", f.host_value);
    return add_via(ex) ? Flow::next : Flow::answered;
  }

  bool has_response_head_hook() const override { return true; }
  bool on_response_head_now(Exchange& ex) override {
    ex.response.set("X-Request-Id", ex.info.request_id);
    return true;
  }

 private:
  // Appends this gateway to Via (RFC 9110 §7.6.3). A request whose Via names
  // it already went round in a loop (a route pointing back at the gateway):
  // it is answered with 508 rather than eat a connection per pass.
  bool add_via(Exchange& ex) const {
    auto& req = ex.request;
    const std::string& name = config_.via_name;
    std::string via;
    bool loop = false;
    for_each_value(req, http::field::via, [&](std::string_view v) {
      loop = loop || via_lists(v, name);
      via.append(via.empty() ? "" : ", ").append(v);
    });
    if (loop) {
      ex.answer_problem(ErrorCode::loop_detected,
                        fmt::format("the request already passed through {} (Via); a route points back at this gateway", name));
      return false;
    }
    via.append(via.empty() ? "" : ", ").append(req.version() == 10 ? "1.0 " : "1.1 ").append(name);
    req.set(http::field::via, via);
    return true;
  }

  StageServices& services_;
  const ObserveConfig config_;
};

class ObserveFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "observe"; }
  std::span<const SettingInfo> global_settings() const override { return docs_; }
  void configure(const EnvMap& env, const Settings&) override { config_ = load_observe_config(env); }
  std::unique_ptr<Stage> create(StageServices& services) const override { return std::make_unique<ObserveStage>(services, config_); }

 private:
  std::vector<SettingInfo> docs_ = docs_of(observe_rows());
  ObserveConfig config_ = load_observe_config({});
};

}  // namespace

std::unique_ptr<StageFactory> observe_stage_factory() { return std::make_unique<ObserveFactory>(); }

}  // namespace gatehouse
