#pragma once
#include <chrono>
#include <memory>
#include <optional>

#include "gatehouse/body_source.hpp"
#include "gatehouse/endpoint_set.hpp"
#include "gatehouse/exchange.hpp"

namespace gatehouse {

// How one attempt at an upstream ended.
struct AttemptResult {
  enum class Kind {
    response,        // a response head arrived: the call is now the response body
    connect_failed,  // nothing was sent: another endpoint may be tried
    stale_reuse,     // a reused connection failed before any response byte: may retry if idempotent
    failed,          // upstream failed after bytes were sent: answer with `code`
    client_failed,   // the client failed while sending its body: answer with `code`
  };
  static AttemptResult ok() { return {Kind::response, ErrorCode::none, {}}; }

  Kind kind = Kind::failed;
  ErrorCode code = ErrorCode::none;
  std::string detail;
};

// The start of the request body: read from the client before any upstream
// connection is taken (a client that sends nothing, or garbage, costs no
// upstream connection), and kept so that a retry can send it again. Attempts
// reuse its buffer for the rest of the body; once they have, the body can no
// longer be replayed.
struct BodyStart {
  std::unique_ptr<char[]> buffer;  // kBodyPiece bytes; null for a request without a body
  std::size_t size = 0;            // body bytes it holds
  // True while everything read from the client is in `buffer`: a new attempt may send it all again.
  bool replayable(const BodySource& body) const { return body.consumed() == size; }
};

// One request to one endpoint. After a response head arrives it serves as
// the response's BodySource, and gives the connection back to the pool when
// the body has been read to the end and both sides allow keep-alive.
class UpstreamCall final : public BodySource {
 public:
  UpstreamCall(Worker& w, EndpointSet& set, Endpoint& endpoint, const Route& route);
  ~UpstreamCall() override;

  asio::awaitable<AttemptResult> run(Exchange& ex, BodyStart& start);

  asio::awaitable<BodyRead> read(asio::mutable_buffer into) override;
  bool done() const override { return parser_ && parser_->is_done(); }
  std::uint64_t consumed() const override { return consumed_; }

 private:
  asio::awaitable<AttemptResult> connect(RequestInfo& info);
  asio::awaitable<AttemptResult> send_request(Exchange& ex, BodyStart& start);
  asio::awaitable<AttemptResult> read_response_head(Exchange& ex, const BodyStart& start);
  void finish();

  Worker& w_;
  EndpointSet& set_;
  Endpoint& endpoint_;
  const Route& route_;
  std::unique_ptr<UpstreamConnection> conn_;
  bool reused_ = false;
  bool request_complete_ = false;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::uint64_t consumed_ = 0;
  RequestInfo* info_ = nullptr;
  std::chrono::steady_clock::time_point service_start_{};
};

// Maps an I/O error seen while talking to an upstream to a code and text.
ErrorCode classify_upstream_error(const error_code& ec);

}  // namespace gatehouse
