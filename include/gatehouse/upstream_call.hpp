#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "gatehouse/body_source.hpp"
#include "gatehouse/endpoint_set.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/metrics.hpp"
#include "gatehouse/piece_pool.hpp"
#include "gatehouse/response_scan.hpp"
#include "gatehouse/chunked_decoder.hpp"
#include "gatehouse/timed_stream.hpp"

namespace gatehouse {

// What every upstream call of one worker shares: its event loop, the TLS
// context for https:// upstreams, the open-connection gauge.
struct UpstreamContext {
  asio::io_context& io;
  Deadlines& deadlines;                 // the worker's sweep of stream deadlines
  ssl::context& tls;
  bool verify_tls = true;
  std::int64_t& open_connections;       // the worker's gauge
  const std::atomic<bool>& draining;    // no connection goes back to a pool while draining
  PiecePool& pieces;                    // the worker's body pieces
};

// A request as it goes upstream: its head, the body to send after it, and
// how to frame it. Each attempt sets the head's target to the endpoint's
// path prefix followed by `target`, and Host to the endpoint's authority
// when `endpoint_host` (a route's upstreams may differ in both).
struct UpstreamRequest {
  RequestHead& message;
  ResponseHead& response;  // where the response head is read into
  BodySource& body;
  Framing framing;
  std::string target;          // path and query below the endpoint's path prefix
  bool endpoint_host = false;  // send the endpoint's host:port as Host
  // Ask the upstream to switch to WebSocket (Upgrade: websocket, Connection:
  // upgrade); its 101 then makes the call an upgraded connection.
  bool websocket = false;
};

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
  PiecePool::Lease buffer;         // kBodyPiece bytes; empty for a request without a body
  std::size_t size = 0;            // body bytes it holds
  bool overwritten = false;        // an attempt read later body bytes into it
  // True while everything read from the client is in `buffer`: a new attempt may send it all again.
  bool replayable(const BodySource& body) const { return !overwritten && body.consumed() == size; }
};

// One request to one endpoint. After a response head arrives it serves as
// the response's BodySource, and gives the connection back to the pool when
// the body has been read to the end and both sides allow keep-alive.
class UpstreamCall final : public BodySource {
 public:
  UpstreamCall(UpstreamContext& ctx, EndpointSet& set, Endpoint& endpoint, const RouteOptions& options);
  ~UpstreamCall() override;

  Awaitable<AttemptResult> run(UpstreamRequest& req, BodyStart& start);

  Awaitable<BodyRead> read(asio::mutable_buffer into) override;
  bool done() const override { return have_head_ && body_done_; }
  std::uint64_t consumed() const override { return consumed_; }
  bool ready() const override { return have_head_ && (body_done_ || (conn_ && conn_->buffer.size() > 0)); }

  // After a response: its head (hop-by-hop fields removed; it is the
  // UpstreamRequest's `response`, and lives as long as that) and body length when known.
  ResponseHead& head() { return *head_; }
  std::optional<std::uint64_t> length() const;
  const std::string& authority() const { return endpoint_.authority; }
  std::int64_t connect_us() const { return connect_us_; }
  bool request_sent() const { return request_complete_; }
  // Some of the request may have reached the upstream: a write was begun on a connection.
  bool request_started() const { return request_started_; }
  // From sending the request to the last response byte; unset until the body ended.
  std::int64_t service_us() const { return service_us_; }
  // The upstream switched to WebSocket (101 to a request that asked): the
  // connection is the client's tunnel now, never pooled. Taken once; bytes
  // the upstream sent after its 101 are in its buffer.
  bool upgraded() const { return upgraded_; }
  std::unique_ptr<UpstreamConnection> take_upgraded_connection() { return upgraded_ ? std::move(conn_) : nullptr; }

  // The most a response head may take (status line and fields).
  static constexpr std::size_t kMaxResponseHead = 64 * 1024;

 private:
  Awaitable<AttemptResult> connect();
  // Sets the request's target, Host and framing for this endpoint, and writes its head.
  void write_request_head(UpstreamRequest& req, std::string& out);
  AttemptResult send_failed(const error_code& ec, bool head_sent, bool replayable) const;
  AttemptResult read_failed(const error_code& ec, bool replayable) const;
  // Takes in a final response head: how its body is delimited, and whether there is one.
  void take_response_head(const ResponseScan& scan, bool head_request);
  static bool switched_to_websocket(const ResponseHead& head);
  void take_upgrade();
  // One read from a TLS connection (Beast's stream takes a coroutine token);
  // plain reads are awaited in place.
  Awaitable<std::tuple<error_code, std::size_t>> read_tls(asio::mutable_buffer into);
  BodyRead body_cut_short(const error_code& ec);
  // What read() returns: bytes delivered (the connection is pooled once the
  // body ended), or a failure (the connection is closed).
  BodyRead delivered(std::size_t n);
  BodyRead failed(BodyRead why);
  void finish();

  UpstreamContext& ctx_;
  EndpointSet& set_;
  Endpoint& endpoint_;
  const RouteOptions& options_;
  std::unique_ptr<UpstreamConnection> conn_;
  bool reused_ = false;
  bool request_complete_ = false;
  bool request_started_ = false;
  ResponseHead* head_ = nullptr;  // the request's (UpstreamRequest::response)
  bool have_head_ = false;
  bool body_done_ = false;
  ResponseScan::Body body_kind_ = ResponseScan::Body::none;
  std::uint64_t length_ = 0;     // Body::length: the whole body
  std::uint64_t remaining_ = 0;  // Body::length: not yet read
  bool reusable_ = false;        // the response lets the connection go back to the pool
  bool upgraded_ = false;
  std::optional<ChunkedDecoder> chunked_;
  std::uint64_t consumed_ = 0;
  std::int64_t connect_us_ = RequestInfo::kUnset;
  std::int64_t service_us_ = RequestInfo::kUnset;
  std::chrono::steady_clock::time_point service_start_{};
};

// Maps an I/O error seen while talking to an upstream to a code and text.
ErrorCode classify_upstream_error(const error_code& ec);

}  // namespace gatehouse
