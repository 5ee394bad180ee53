#pragma once
#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "gatehouse/body_filter.hpp"
#include "gatehouse/body_source.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/message_head.hpp"
#include "gatehouse/net.hpp"
#include "gatehouse/problem.hpp"
#include "gatehouse/request_info.hpp"
#include "gatehouse/request_target.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

class Worker;

// What a stage keeps for one request (see stage.hpp). Owned by the Exchange.
class StageState {
 public:
  virtual ~StageState() = default;
};

// The most stages one pipeline may hold (per-request state slots are an array).
inline constexpr std::size_t kMaxStages = 16;

// One request and its response as they move through the pipeline. It lives
// in the session's coroutine frame: no per-request shared_ptr web.
//
// Ownership, in destruction order: the body filters go first, then the
// response body, then the stages' states. So a filter may refer to its
// stage's state, and the state outlives every filter that uses it.
struct Exchange {
  // The heads are the session's, kept from one request to the next (their
  // buffers keep their capacity); the response head is reset here.
  Exchange(Worker& w, RequestHead& req, ResponseHead& res, BodySource& req_body, RequestInfo& i)
      : worker(w), request(req), info(i), response(res), client_body_(req_body) {
    response.reset();
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Worker& worker;
  // The request as parsed. Stages edit its head in place; the upstream stage
  // serializes this very message (the relay pattern: no header copy).
  RequestHead& request;
  RequestInfo& info;

  RequestTarget target;                // normalized path and query
  std::string host;                    // request host without port, lower case
  std::string peer_address;            // the TCP peer
  bool client_tls = false;
  const Route* route = nullptr;
  Framing request_framing;             // how the client framed its body
  std::uint64_t request_body_limit = 0;  // set by the route stage; 0 = unlimited

  // The response head. Its body is response_body().
  ResponseHead& response;
  std::optional<std::uint64_t> response_length;  // known body length, else chunked/close-delimited
  bool close_connection = false;       // the gateway wants this connection closed after the response
  // The client asked to switch to WebSocket (RFC 6455 §4.1: a GET without a
  // body, Upgrade: websocket, Connection: upgrade). Its Upgrade and
  // Connection fields are gone by then (hop-by-hop): the upstream stage
  // sends them again when the route passes upgrades through.
  bool websocket_upgrade = false;
  bool request_sent = false;           // the upstream received the whole request
  bool request_started = false;        // some of the request may have reached the upstream
  std::string_view failed_stage;       // the stage an exception escaped from, if any

  // --- the request body ---------------------------------------------------
  // The body the upstream reads: the client's, through the request filters.
  BodySource& request_body() { return filtered_request_ ? static_cast<BodySource&>(*filtered_request_) : client_body_; }
  template <class S>
  void add_request_filter(const S& stage, std::unique_ptr<BodyFilter> f) {
    request_filters_.add(static_cast<int>(stage.index()), std::move(f));
    if (!filtered_request_) filtered_request_ = std::make_unique<FilteredBody>(client_body_, request_filters_);
  }
  bool request_keeps_length() const { return request_filters_.keeps_length(); }

  // --- the response body --------------------------------------------------
  // A stage answered: the response has a body source (a local body, an upstream's, or a stage's own).
  bool answered() const { return response_body_ != nullptr; }
  BodySource* response_body() { return response_body_; }
  // Answers locally with `body` and the given content type.
  void answer(http::status status, std::string body, std::string_view content_type);
  // Answers with an application/problem+json body and records the error code.
  void answer_problem(ErrorCode code, std::string detail, int status_override = 0);
  // The response body is `body` (an upstream's, a cache's); `length` when known.
  void set_response_body(std::unique_ptr<BodySource> body, std::optional<std::uint64_t> length);
  // Hands the response body over (to background work, or to read it whole
  // before replacing it). Null when the body is a local answer's text.
  std::unique_ptr<BodySource> take_response_body();
  // The owned response body when it is of type T (the upstream stage reads its timings).
  template <class T>
  T* response_body_as() { return dynamic_cast<T*>(owned_body_.get()); }
  template <class S>
  void add_response_filter(const S& stage, std::unique_ptr<BodyFilter> f) {
    // Response bytes flow from the innermost stage outwards: reverse pipeline order.
    response_filters_.add(-static_cast<int>(stage.index()), std::move(f));
  }
  FilterChain& response_filters() { return response_filters_; }
  // Tells the filters of bodies that did not reach their end that they were cut short.
  void abort_unfinished_bodies() noexcept {
    request_filters_.abort();
    response_filters_.abort();
  }
  // Forgets the response (head, body, filters): the pipeline's 500 path.
  void reset_response();

  // --- per-request state of stages ----------------------------------------
  template <class T, class S, class... Args>
  T& emplace_state(const S& stage, Args&&... args) {
    auto state = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *state;
    states_.at(stage.index()) = std::move(state);
    return ref;
  }
  template <class T, class S>
  T* state(const S& stage) {
    return static_cast<T*>(states_.at(stage.index()).get());
  }
  template <class T, class S>
  std::unique_ptr<T> take_state(const S& stage) {
    return std::unique_ptr<T>(static_cast<T*>(states_.at(stage.index()).release()));
  }

  bool is_head() const { return request.method() == http::verb::head; }

  // Bit i set: stage i entered this exchange (maintained by the Pipeline).
  std::uint32_t entered_stages = 0;
  bool completed = false;

 private:
  // Declared in reverse order of destruction (see above).
  BodySource& client_body_;
  std::array<std::unique_ptr<StageState>, kMaxStages> states_;
  TextBody local_body_;
  std::unique_ptr<BodySource> owned_body_;
  BodySource* response_body_ = nullptr;  // &local_body_, owned_body_, or null
  FilterChain request_filters_;
  FilterChain response_filters_;
  std::unique_ptr<FilteredBody> filtered_request_;

 public:
  // The text of a local answer (tests read it).
  std::string_view local_text() const { return local_body_.text(); }
};

}  // namespace gatehouse
