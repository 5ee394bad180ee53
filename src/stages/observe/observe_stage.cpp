#include <fmt/format.h>

#include "gatehouse/forwarded.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/request_id.hpp"
#include "observe_config.hpp"
#include "observe_stage.hpp"

namespace gatehouse {
namespace {

// What the request says of its id and its hops, gathered in one walk over
// its fields. The views point into the request: read them before it changes.
struct Hops {
  std::optional<std::string_view> request_id;
  std::size_t request_id_lines = 0;
  std::string forwarded_for;  // every X-Forwarded-For line, as one list (RFC 9110 §5.3)
  std::size_t forwarded_for_lines = 0;
  std::optional<std::string_view> proto, forwarded_host;
  std::size_t proto_lines = 0, forwarded_host_lines = 0;
  std::string_view host;
  std::string via;  // every Via line, as one list
  std::size_t via_lines = 0;
  bool via_lists_us = false;  // some Via line names this gateway
};

void append_to_list(std::string& list, std::string_view item) {
  if (!list.empty()) list.append(", ");
  list.append(item);
}

Hops read_hops(const Fields& fields, std::string_view via_name) {
  Hops h;
  for (const auto f : fields) {
    switch (f.name.size()) {
      case 3:
        if (iequals_ascii(f.name, "via")) {
          h.via_lists_us = h.via_lists_us || via_lists(f.value, via_name);
          append_to_list(h.via, f.value);
          ++h.via_lines;
        }
        break;
      case 4:
        if (h.host.empty() && iequals_ascii(f.name, "host")) h.host = f.value;
        break;
      case 12:
        if (iequals_ascii(f.name, "x-request-id") && h.request_id_lines++ == 0) h.request_id = f.value;
        break;
      case 15:
        if (iequals_ascii(f.name, "x-forwarded-for")) {
          append_to_list(h.forwarded_for, f.value);
          ++h.forwarded_for_lines;
        }
        break;
      case 16:
        if (iequals_ascii(f.name, "x-forwarded-host") && h.forwarded_host_lines++ == 0) h.forwarded_host = f.value;
        break;
      case 17:
        if (iequals_ascii(f.name, "x-forwarded-proto") && h.proto_lines++ == 0) h.proto = f.value;
        break;
      default: break;
    }
  }
  return h;
}

// Sets a field the walk has counted: a plain append when there was none.
void put(Fields& fields, std::string_view name, std::string_view value, std::size_t existing_lines) {
  if (existing_lines == 0) fields.insert(name, value);
  else fields.set(name, value);
}

class ObserveStage final : public Stage {
 public:
  // Each worker's stage keeps its own copy of the settings: it may outlive the factory.
  ObserveStage(StageServices& services, ObserveConfig config) : services_(services), config_(std::move(config)) {}
  std::string_view name() const override { return "observe"; }

  // Never waits: decided without a coroutine frame. One walk over the
  // request's fields finds what it says; then the gateway's fields are set.
  std::optional<Flow> on_request_now(Exchange& ex) override {
    auto& req = ex.request;
    const std::string& name = config_.via_name;
    Hops hops = read_hops(req, name);
    bool keep_id = hops.request_id && is_valid_request_id(*hops.request_id);
    if (keep_id) ex.info.request_id.assign(*hops.request_id);
    else services_.request_ids.next_into(ex.info.request_id);

    auto f = compute_forwarded(ex.peer_address,
                               hops.forwarded_for_lines ? std::optional<std::string_view>(hops.forwarded_for) : std::nullopt,
                               hops.proto, hops.forwarded_host, ex.client_tls ? "https" : "http", hops.host,
                               config_.trusted_proxies);
    ex.info.client = f.client;

    // Appends this gateway to Via (RFC 9110 §7.6.3). A request whose Via
    // names it already went round in a loop (a route pointing back at the
    // gateway): it is answered with 508 rather than eat a connection per pass.
    if (hops.via_lists_us) {
      ex.answer_problem(ErrorCode::loop_detected,
                        fmt::format("the request already passed through {} (Via); a route points back at this gateway", name));
      return Flow::answered;
    }
    append_to_list(hops.via, std::string(req.version() == 10 ? "1.0 " : "1.1 ").append(name));

    // The views in `hops` end here: the request changes.
    if (!keep_id || hops.request_id_lines > 1) put(req, "X-Request-Id", ex.info.request_id, hops.request_id_lines);
    put(req, "X-Forwarded-For", f.for_value, hops.forwarded_for_lines);
    put(req, "X-Forwarded-Proto", f.proto_value, hops.proto_lines);
    if (!f.host_value.empty()) put(req, "X-Forwarded-Host", f.host_value, hops.forwarded_host_lines);
    put(req, "Via", hops.via, hops.via_lines);
    return Flow::next;
  }

  bool has_response_head_hook() const override { return true; }
  bool on_response_head_now(Exchange& ex) override {
    ex.response.set("X-Request-Id", ex.info.request_id);
    return true;
  }

 private:
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
