#include "gatehouse/upstream_call.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "gatehouse/clock.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/request_target.hpp"
#include "gatehouse/wire_format.hpp"

namespace gatehouse {
namespace {


template <class Stream>
Awaitable<error_code> tls_handshake(Stream&, const std::string&, bool) {
  co_return error_code{};
}

template <>
Awaitable<error_code> tls_handshake<TlsStream>(TlsStream& s, const std::string& host, bool verify) {
  // SNI carries host names only, never an IP literal (RFC 6066 §3); the
  // certificate check below still covers an address (its IP SAN).
  error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(s.native_handle(), host.c_str()))
    co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  if (verify) {
    s.set_verify_mode(ssl::verify_peer);
    s.set_verify_callback(ssl::host_name_verification(host));
  } else {
    s.set_verify_mode(ssl::verify_none);
  }
  auto [ec] = co_await s.async_handshake(ssl::stream_base::client, use_nothrow_coro);
  co_return ec;
}

}  // namespace

ErrorCode classify_upstream_error(const error_code& ec) {
  // Malformed responses are found by the gateway's own scan (upstream_protocol, set there).
  return ec == beast::error::timeout ? ErrorCode::upstream_timeout : ErrorCode::upstream_reset;
}

UpstreamCall::UpstreamCall(UpstreamContext& ctx, EndpointSet& set, Endpoint& endpoint, const RouteOptions& options)
    : ctx_(ctx), set_(set), endpoint_(endpoint), options_(options) {}

UpstreamCall::~UpstreamCall() = default;  // an unfinished connection is closed with it

// One coroutine for the whole attempt (a frame per step would cost more
// than the step): connect when no pooled connection is free, send the head
// and the body, read the response head. The pieces that need no I/O are
// plain functions below.
Awaitable<AttemptResult> UpstreamCall::run(UpstreamRequest& req, BodyStart& start) {
  head_ = &req.response;
  conn_ = set_.acquire(endpoint_, coarse_now());
  reused_ = conn_ != nullptr;
  if (!conn_) {
    AttemptResult r = co_await connect();
    if (r.kind != AttemptResult::Kind::response) co_return r;
  }
  service_start_ = Clock::now();

  // --- the request: its head leaves together with the start of the body, in
  // one write (a small body costs no packet of its own); the rest follows
  // piece by piece through the same buffer. A request framed without a body
  // sends none, whatever a request filter made of its end: bytes without
  // framing would reach the upstream as a request of their own.
  PiecePool::TextLease head = ctx_.pieces.take_text();
  write_request_head(req, *head);
  BodySource& body = req.body;
  BodyFraming framing(req.framing.has_body && req.framing.chunked);
  std::size_t size = req.framing.has_body ? start.size : 0;
  bool last = body.done() || !req.framing.has_body;
  bool head_sent = false;
  request_started_ = true;
  while (true) {
    auto framed = framing.frame({start.buffer.get(), size}, last);
    std::array<asio::const_buffer, 4> pieces{head_sent ? asio::const_buffer{} : asio::buffer(*head), framed[0], framed[1], framed[2]};
    // What the socket takes at once goes now; only a rest is awaited.
    error_code ec;
    if (auto* plain = conn_->plain()) write_now(*plain, pieces, ec);
    if (!ec && bytes_in(pieces) > 0) {
      conn_->tcp().expires_after(options_.upstream_timeout);
      auto write = [&](auto& s) { return asio::async_write(s, pieces, nothrow_on<std::decay_t<decltype(s)>>); };
      // Awaited in if/else, not in a conditional expression: GCC 12 has
      // miscompiled temporaries of a co_await inside ?: before.
      std::tuple<error_code, std::size_t> written;
      if (auto* plain = conn_->plain()) written = co_await write(*plain);
      else written = co_await write(conn_->tls());
      ec = std::get<0>(written);
    }
    if (ec) co_return send_failed(ec, head_sent, start.replayable(body));
    head_sent = true;
    if (last) break;
    start.overwritten = true;  // what it held is gone: no attempt can send it again
    BodyRead r = co_await body.read(asio::buffer(start.buffer.get(), kBodyPiece));
    if (!r.ok()) co_return AttemptResult{AttemptResult::Kind::client_failed, r.failure, std::move(r.detail)};
    size = r.size;
    last = r.size == 0 || body.done();
  }
  request_complete_ = true;

  // --- the response head, past any 1xx.
  bool head_request = req.message.method() == http::verb::head;
  auto& buffer = conn_->buffer;
  while (true) {
    auto bytes = buffer.data();
    ResponseScan scan = scan_response_head({static_cast<const char*>(bytes.data()), bytes.size()}, head_request, *head_);
    if (scan.state == ResponseScan::State::rejected)
      co_return AttemptResult{AttemptResult::Kind::failed, ErrorCode::upstream_protocol,
                              fmt::format("malformed response from {}: {}", endpoint_.authority, scan.reason)};
    if (scan.state == ResponseScan::State::complete) {
      buffer.consume(scan.head_size);
      unsigned status = head_->result_int();
      if (status == 101) {
        if (!req.websocket)
          co_return AttemptResult{AttemptResult::Kind::failed, ErrorCode::upstream_protocol, "upstream switched protocols uninvited"};
        if (!switched_to_websocket(*head_))
          co_return AttemptResult{AttemptResult::Kind::failed, ErrorCode::upstream_protocol,
                                  fmt::format("upstream {} switched to a protocol other than websocket", endpoint_.authority)};
        take_upgrade();
        co_return AttemptResult::ok();
      }
      if (status >= 100 && status < 200) continue;  // 103 Early Hints and the like: not forwarded
      take_response_head(scan, head_request);
      co_return AttemptResult::ok();
    }
    if (buffer.size() >= kMaxResponseHead)
      co_return AttemptResult{AttemptResult::Kind::failed, ErrorCode::upstream_protocol,
                              fmt::format("response head from {} larger than {} bytes", endpoint_.authority, kMaxResponseHead)};
    // A plain read is awaited here, without a coroutine of its own.
    std::tuple<error_code, std::size_t> got;
    conn_->tcp().expires_after(options_.upstream_timeout);
    if (auto* plain = conn_->plain()) got = co_await plain->async_read_some(buffer.prepare(kBodyPiece), use_nothrow);
    else got = co_await read_tls(buffer.prepare(kBodyPiece));
    auto [ec, n] = got;
    buffer.commit(n);
    if (ec) co_return read_failed(ec, start.replayable(body));
  }
}

void UpstreamCall::write_request_head(UpstreamRequest& request, std::string& out) {
  auto& req = request.message;
  const UpstreamUrl& url = *endpoint_.url;
  req.target(url.path_prefix, request.target);
  if (request.endpoint_host) req.set(http::field::host, url.authority());
  apply_request_framing(req, request.framing);
  if (request.websocket) {
    // The client's own were hop-by-hop, and are gone: these are the gateway's.
    req.set(http::field::connection, "upgrade");
    req.set(http::field::upgrade, "websocket");
  }
  append_head(out, req);
}

AttemptResult UpstreamCall::send_failed(const error_code& ec, bool head_sent, bool replayable) const {
  if (!head_sent && reused_ && replayable)
    return AttemptResult{AttemptResult::Kind::stale_reuse, ErrorCode::upstream_reset, ec.message()};
  return AttemptResult{AttemptResult::Kind::failed, classify_upstream_error(ec),
                       fmt::format("sending the request{} to {} failed: {}", head_sent ? " body" : "", endpoint_.authority, ec.message())};
}

AttemptResult UpstreamCall::read_failed(const error_code& ec, bool replayable) const {
  bool nothing_received = conn_->buffer.size() == 0;
  if (reused_ && nothing_received && ec != beast::error::timeout && replayable)
    return AttemptResult{AttemptResult::Kind::stale_reuse, ErrorCode::upstream_reset, ec.message()};
  ErrorCode code = classify_upstream_error(ec);
  return AttemptResult{AttemptResult::Kind::failed, code,
                       code == ErrorCode::upstream_timeout
                           ? fmt::format("no response from {} within {} ms", endpoint_.authority, options_.upstream_timeout.count())
                           : fmt::format("reading the response from {} failed: {}", endpoint_.authority, ec.message())};
}

void UpstreamCall::take_response_head(const ResponseScan& scan, bool head_request) {
  have_head_ = true;
  body_kind_ = scan.body;
  length_ = remaining_ = scan.length;
  reusable_ = scan.connection_reusable;
  if (body_kind_ == ResponseScan::Body::chunked) chunked_.emplace();
  strip_hop_by_hop(*head_);
  // No body to read (HEAD, 204, 304, an empty one): the exchange with the
  // upstream is over. After a HEAD the connection is closed, not pooled: a
  // server that wrongly sends the body anyway would have it read as the next
  // request's response.
  if (body_kind_ == ResponseScan::Body::none || (body_kind_ == ResponseScan::Body::length && remaining_ == 0)) {
    body_done_ = true;
    if (head_request) conn_.reset();
    finish();
  }
}

bool UpstreamCall::switched_to_websocket(const ResponseHead& head) {
  bool websocket = false;
  head.for_each_value("Upgrade", [&](std::string_view v) { websocket = websocket || iequals_ascii(trim(v), "websocket"); });
  return websocket;
}

void UpstreamCall::take_upgrade() {
  have_head_ = true;
  body_done_ = true;  // no HTTP body: what follows is the tunnel's
  upgraded_ = true;
  strip_hop_by_hop(*head_);  // the session writes Upgrade and Connection for the client
  service_us_ = micros_since(service_start_);
}

Awaitable<AttemptResult> UpstreamCall::connect() {
  const UpstreamUrl& url = *endpoint_.url;
  auto& io = ctx_.io;
  auto& gauge = ctx_.open_connections;
  conn_ = url.tls ? std::make_unique<UpstreamConnection>(io, ctx_.deadlines, ctx_.tls, gauge)
                  : std::make_unique<UpstreamConnection>(io, ctx_.deadlines, gauge);
  auto& tcp = conn_->tcp();
  auto start = Clock::now();
  tcp.expires_after(options_.connect_timeout);

  std::vector<tcp::endpoint> targets;
  error_code ec;
  auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    targets.emplace_back(address, url.port);
  } else {
    // Name lookups run on Asio's resolver thread, never on the worker.
    tcp::resolver resolver(io);
    auto [rec, results] = co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
    if (rec) co_return AttemptResult{AttemptResult::Kind::connect_failed, ErrorCode::upstream_connect,
                                     fmt::format("cannot resolve {}: {}", url.host, rec.message())};
    for (const auto& r : results) targets.push_back(r.endpoint());
  }
  auto [cec, chosen] = co_await tcp.async_connect(targets, use_nothrow);
  if (cec) {
    if (cec == beast::error::timeout)
      co_return AttemptResult{AttemptResult::Kind::connect_failed, ErrorCode::upstream_timeout,
                              fmt::format("connect to {} timed out", endpoint_.authority)};
    co_return AttemptResult{AttemptResult::Kind::connect_failed, ErrorCode::upstream_connect,
                            fmt::format("connect to {} failed: {}", endpoint_.authority, cec.message())};
  }
  tcp.socket().set_option(tcp::no_delay(true), ec);
  bool verify = ctx_.verify_tls;
  error_code hec = co_await conn_->visit([&](auto& s) { return tls_handshake(s, url.host, verify); });
  if (hec)
    co_return AttemptResult{AttemptResult::Kind::connect_failed, ErrorCode::upstream_connect,
                            fmt::format("TLS handshake with {} failed: {}", endpoint_.authority, hec.message())};
  connect_us_ = micros_since(start);
  co_return AttemptResult::ok();
}

Awaitable<std::tuple<error_code, std::size_t>> UpstreamCall::read_tls(asio::mutable_buffer into) {
  co_return co_await conn_->tls().async_read_some(into, use_nothrow_coro);
}

std::optional<std::uint64_t> UpstreamCall::length() const {
  if (body_kind_ == ResponseScan::Body::length) return length_;
  return std::nullopt;
}

// Fills `into` from what is buffered, or reads; chunked bodies are decoded.
Awaitable<BodyRead> UpstreamCall::read(asio::mutable_buffer into) {
  if (done()) co_return BodyRead{};
  auto& buffer = conn_->buffer;
  auto* out = static_cast<char*>(into.data());
  // Plain reads are awaited here, without a coroutine of their own.
  while (!body_done_) {
    auto bytes = buffer.data();
    std::string_view buffered(static_cast<const char*>(bytes.data()), bytes.size());
    if (body_kind_ == ResponseScan::Body::chunked) {
      ChunkedDecoder::Step step = chunked_->decode(buffered, out, into.size());
      buffer.consume(step.consumed);
      if (chunked_->failed())
        co_return failed(BodyRead{0, ErrorCode::upstream_protocol,
                                  fmt::format("malformed chunked response body from {}: {}", endpoint_.authority, chunked_->error())});
      body_done_ = chunked_->done();
      if (step.produced > 0 || body_done_) co_return delivered(step.produced);
      if (step.consumed > 0) continue;
      // A line is not complete yet: read on behind it.
      std::tuple<error_code, std::size_t> got;
      conn_->tcp().expires_after(options_.upstream_timeout);
      if (auto* plain = conn_->plain()) got = co_await plain->async_read_some(buffer.prepare(kBodyPiece), use_nothrow);
      else got = co_await read_tls(buffer.prepare(kBodyPiece));
      buffer.commit(std::get<1>(got));
      if (std::get<0>(got)) co_return failed(body_cut_short(std::get<0>(got)));
      continue;
    }
    // Content-Length or close-delimited: buffered bytes first, then straight into `into`.
    std::size_t want = into.size();
    if (body_kind_ == ResponseScan::Body::length) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, remaining_));
    std::size_t n = 0;
    if (!buffered.empty()) {
      n = std::min(want, buffered.size());
      std::memcpy(out, buffered.data(), n);
      buffer.consume(n);
    } else {
      std::tuple<error_code, std::size_t> got;
      conn_->tcp().expires_after(options_.upstream_timeout);
      if (auto* plain = conn_->plain()) got = co_await plain->async_read_some(asio::buffer(out, want), use_nothrow);
      else got = co_await read_tls(asio::buffer(out, want));
      auto [ec, read] = got;
      n = read;
      if (ec == asio::error::eof && body_kind_ == ResponseScan::Body::until_close) {
        body_done_ = true;
        co_return delivered(n);
      }
      if (ec) co_return failed(body_cut_short(ec));
    }
    if (body_kind_ == ResponseScan::Body::length) {
      remaining_ -= n;
      body_done_ = remaining_ == 0;
    }
    if (n > 0 || body_done_) co_return delivered(n);
  }
  co_return BodyRead{};
}

BodyRead UpstreamCall::delivered(std::size_t n) {
  consumed_ += n;
  if (body_done_) finish();
  return BodyRead{n};
}

BodyRead UpstreamCall::failed(BodyRead why) {
  conn_.reset();
  return why;
}

BodyRead UpstreamCall::body_cut_short(const error_code& ec) {
  return BodyRead{0, classify_upstream_error(ec),
                  fmt::format("response body from {} cut short: {}", endpoint_.authority, ec.message())};
}

void UpstreamCall::finish() {
  service_us_ = micros_since(service_start_);
  // Bytes past the response (nobody asked for them) would be read as the next
  // request's response: such a connection is closed, not pooled.
  if (conn_ && request_complete_ && reusable_ && conn_->buffer.size() == 0 && !ctx_.draining.load(std::memory_order_relaxed))
    set_.release(endpoint_, std::move(conn_), coarse_now());
  conn_.reset();
}

}  // namespace gatehouse
