// One client connection: read a request head, check its framing, run the
// pipeline, write the response, repeat while keep-alive allows.
#include <chrono>
#include <type_traits>

#include <cstring>

#include "gatehouse/access_line.hpp"
#include "gatehouse/chunked_decoder.hpp"
#include "gatehouse/clock.hpp"
#include "gatehouse/header_reader.hpp"
#include "gatehouse/http_date.hpp"
#include "gatehouse/io_errors.hpp"
#include "gatehouse/metrics.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/tunnel.hpp"
#include "gatehouse/upstream_call.hpp"
#include "gatehouse/wire_format.hpp"
#include "gatehouse/worker.hpp"

namespace gatehouse {
namespace {

// Writes the request's access line when the request ends, however it ends:
// normal return, early return, exception, or the coroutine frame being
// destroyed at shutdown. This is what makes "one line per request" hold.
class RequestCompletion {
 public:
  RequestCompletion(Worker& w, RequestInfo& info, Clock::time_point start) : w_(w), info_(info), start_(start) {
    ++w_.metrics().in_flight;
  }
  ~RequestCompletion() {
    --w_.metrics().in_flight;
    info_.duration_us = micros_since(start_);
    if (info_.request_id.empty()) w_.request_ids().next_into(info_.request_id);
    if (info_.status == 0) {
      // Nothing could be sent: 408 when the client was too slow, else 499 (nginx's "client closed").
      info_.status = info_.code == ErrorCode::request_timeout ? 408 : 499;
      if (info_.code == ErrorCode::none) info_.code = ErrorCode::client_closed;
    }
    w_.complete_request(info_);
  }
  RequestCompletion(const RequestCompletion&) = delete;
  RequestCompletion& operator=(const RequestCompletion&) = delete;

 private:
  Worker& w_;
  RequestInfo& info_;
  Clock::time_point start_;
};

// Runs the pipeline's completion hooks when the exchange ends, however it
// ends; declared after RequestCompletion, so the hooks run before the access
// line is written and may still add to it. An exchange whose frame is
// destroyed before the session set its ending was cut off by a shutdown.
class ExchangeEnd {
 public:
  ExchangeEnd(const Pipeline& p, Exchange& ex, const BodySource& client_body) : pipeline_(p), ex_(ex), client_body_(client_body) {}
  ~ExchangeEnd() {
    RequestInfo& info = ex_.info;
    info.bytes_in += client_body_.consumed();  // an upgraded connection's tunnel counted its own there
    outcome.status = info.status;
    outcome.body_bytes = info.bytes_out;
    outcome.request_sent = ex_.request_sent;
    pipeline_.complete(ex_, outcome);
  }
  ExchangeEnd(const ExchangeEnd&) = delete;
  ExchangeEnd& operator=(const ExchangeEnd&) = delete;

  Outcome outcome{Outcome::Ending::shutdown};

 private:
  const Pipeline& pipeline_;
  Exchange& ex_;
  const BodySource& client_body_;
};

// The client's request body, read piece by piece: Content-Length bytes, or a
// chunked body through the gateway's own strict decoder (RFC 9112 §7.1).
// The body's framing is the one the gateway's head scan established.
template <class Stream>
class ClientBody final : public BodySource {
 public:
  ClientBody(Stream& s, beast::flat_buffer& b, const Framing& framing, Millis idle, std::size_t max_trailer)
      : stream_(s),
        buffer_(b),
        chunked_(framing.chunked),
        has_body_(framing.has_body),
        remaining_(framing.length.value_or(0)),
        decoder_(max_trailer),
        idle_(idle),
        done_(!framing.has_body) {}

  void limit_to(const std::uint64_t* limit) { limit_ = limit; }
  // The client sent "Expect: 100-continue": it waits for the interim answer before its body.
  void expect_continue() { expect_continue_ = has_body_; }
  bool done() const override { return done_; }
  std::uint64_t consumed() const override { return consumed_; }

  Awaitable<BodyRead> read(asio::mutable_buffer into) override {
    if (done_) co_return BodyRead{};
    auto& tcp = beast::get_lowest_layer(stream_);
    if (expect_continue_) {
      // The client waits for this before sending the body (RFC 9110 §10.1.1).
      expect_continue_ = false;
      tcp.expires_after(idle_);
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), use_nothrow);
      if (ec) co_return BodyRead{0, ErrorCode::client_closed, "client closed before sending the body"};
    }
    std::size_t n = 0;
    while (true) {
      n = take_buffered(into);
      if (decoder_.failed()) co_return BodyRead{0, ErrorCode::bad_request, "malformed chunked body: " + decoder_.error()};
      if (n > 0 || done_) break;
      // A Content-Length body with nothing buffered is read straight into
      // `into` (no copy), never past its end: what follows is the next request.
      bool direct = !chunked_ && buffer_.size() == 0;
      auto space = direct ? asio::mutable_buffer(into.data(), static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), remaining_)))
                          : buffer_.prepare(kBodyPiece);
      tcp.expires_after(idle_);
      auto [ec, got] = co_await stream_.async_read_some(space, nothrow_on<Stream>);
      if (ec == beast::error::timeout) co_return BodyRead{0, ErrorCode::request_timeout, "client too slow sending the body"};
      if (ec || got == 0)
        co_return BodyRead{0, ErrorCode::client_closed,
                           is_disconnect(ec) ? "client closed during the request body" : "reading the request body failed: " + ec.message()};
      if (direct) {
        n = got;
        remaining_ -= got;
        done_ = remaining_ == 0;
        break;
      }
      buffer_.commit(got);
    }
    consumed_ += n;
    if (limit_ && *limit_ && consumed_ > *limit_)
      co_return BodyRead{0, ErrorCode::too_large, "request body larger than " + std::to_string(*limit_) + " bytes"};
    co_return BodyRead{n};
  }

 private:
  // Body bytes already in the connection's buffer, moved to `into`.
  std::size_t take_buffered(asio::mutable_buffer into) {
    std::string_view held(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (chunked_) {
      auto step = decoder_.decode(held, static_cast<char*>(into.data()), into.size());
      buffer_.consume(step.consumed);
      done_ = decoder_.done();
      return step.produced;
    }
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, std::min(held.size(), into.size())));
    std::memcpy(into.data(), held.data(), n);
    buffer_.consume(n);
    remaining_ -= n;
    done_ = remaining_ == 0;
    return n;
  }

  Stream& stream_;
  beast::flat_buffer& buffer_;
  bool chunked_;
  bool has_body_;
  std::uint64_t remaining_;  // Content-Length bytes not yet read
  ChunkedDecoder decoder_;
  Millis idle_;
  bool expect_continue_ = false;
  bool done_;
  const std::uint64_t* limit_ = nullptr;
  std::uint64_t consumed_ = 0;
};

// The larger parts of one request: its head and its exchange. They live in
// a slot that the worker's thread reuses, not in the request's coroutine
// frame: Asio recycles frames of up to 2 KiB only, and a larger one costs
// a trip through malloc's slow path (glibc's bins) on every request. The
// head keeps the capacity of its buffers from one request to the next.
struct RequestSlot {
  RequestHead request;
  ResponseHead response;
  RequestInfo info;  // reset between requests by assignment, which keeps its strings' capacity
  std::optional<Exchange> exchange;
};

// Hands out this thread's free slots (a worker is one thread), and takes
// each back: the exchange goes, the head is kept for the next request.
class SlotLease {
 public:
  SlotLease() {
    if (free_slots().empty()) {
      slot_ = std::make_unique<RequestSlot>();
    } else {
      slot_ = std::move(free_slots().back());
      free_slots().pop_back();
    }
  }
  ~SlotLease() {
    slot_->exchange.reset();
    if (free_slots().size() < kKeep) {
      static const RequestInfo fresh;
      slot_->info = fresh;
      free_slots().push_back(std::move(slot_));
    }
  }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  RequestSlot* operator->() { return slot_.get(); }

 private:
  // Enough for the requests one worker has in flight at a time; a burst
  // beyond that gives its slots back to malloc.
  static constexpr std::size_t kKeep = 128;
  static std::vector<std::unique_ptr<RequestSlot>>& free_slots() {
    thread_local std::vector<std::unique_ptr<RequestSlot>> slots;
    return slots;
  }
  std::unique_ptr<RequestSlot> slot_;
};

// What an idle keep-alive connection holds for the next request head: the
// smallest of these sizes that held its last head (a client sends much the
// same head each time), 256 bytes before its first. So a connection of
// short heads idles on 256 bytes, and one whose heads carry a long token
// costs one more read for its first head, then reads each whole at once. A
// head longer than its read is read on in 4 KiB steps.
inline std::size_t idle_read_size(std::size_t last_head_size) {
  for (std::size_t size : {256u, 512u, 1024u, 2048u})
    if (last_head_size <= size) return size;
  return 4096;
}

template <class Stream>
class Session {
 public:
  Session(Worker& w, Stream& stream, std::string peer, bool tls) : w_(w), stream_(stream), peer_(std::move(peer)), tls_(tls) {
    entry_.lowest = &beast::get_lowest_layer(stream_);
    w_.track(&entry_);
  }
  ~Session() { w_.untrack(&entry_); }

  Awaitable<void> run() {
    bool first = true;
    while (!w_.draining()) {
      // Idle connections wait here, in this small frame, with a small read
      // pending: the request's head and exchange exist only once bytes
      // arrive. A read, not a wait for readability: Asio re-arms the socket
      // in epoll (a system call) for every wait, never for a read. (TLS may
      // hold decrypted bytes the socket cannot show, so it waits inside the
      // head read instead.) The work around the read is done by plain
      // functions: what a coroutine computes stays in its frame, which an
      // idle connection holds for as long as it is idle.
      if constexpr (std::is_same_v<Stream, PlainStream>) {
        if (buffer_.size() == 0) {
          auto [ec, n] = co_await stream_.async_read_some(start_idle_wait(first), use_nothrow);
          if (ec || n == 0) break;
          buffer_.commit(n);
        }
      }
      if (!co_await serve_request(first)) break;
      first = false;
      after_request();
    }
  }

 private:
  const Settings& settings() const { return w_.settings(); }

  [[gnu::noinline]] asio::mutable_buffer start_idle_wait(bool first) {
    entry_.idle = true;
    beast::get_lowest_layer(stream_).expires_after(first ? settings().header_timeout : settings().client_idle_timeout);
    return buffer_.prepare(idle_read_size(last_head_size_));
  }
  // Gives memory back while the connection sits idle between requests; a
  // small buffer is kept for the next idle read.
  [[gnu::noinline]] void after_request() {
    entry_.idle = true;
    if (buffer_.size() == 0 && buffer_.capacity() > idle_read_size(last_head_size_)) buffer_.shrink_to_fit();
  }

  Awaitable<bool> serve_request(bool first) {
    HeadLimits limits{first ? settings().header_timeout : settings().client_idle_timeout, settings().header_timeout,
                      settings().max_header_size};
    HeadRead head = co_await read_request_head(stream_, buffer_, limits);
    if (head.kind == HeadRead::Kind::no_request) co_return false;
    entry_.idle = false;

    // Declared before the slot: the exchange in it refers to the body. (A
    // refused head's framing is never used: no body is read.)
    Framing framing{head.scan.chunked || head.scan.content_length.value_or(0) > 0, head.scan.chunked, head.scan.content_length};
    ClientBody<Stream> body(stream_, buffer_, framing, settings().client_idle_timeout, settings().max_header_size);
    SlotLease slot;

    RequestInfo& info = slot->info;
    info.client = peer_;
    RequestCompletion completion(w_, info, head.first_byte);
    // The scan's views point into buffer_, which keeps the head until it is consumed below.
    if (!head.scan.method.empty()) info.method = head.scan.method;
    if (!head.scan.target.empty()) info.target = head.scan.target;
    if (head.scan.host) info.host = *head.scan.host;

    if (head.kind != HeadRead::Kind::complete) {
      co_await refuse_head(head, info);
      co_return false;
    }

    // The head passed our own framing checks: its lines are split as they are.
    last_head_size_ = head.scan.skip + head.scan.head_size;
    buffer_.consume(head.scan.skip);
    RequestHead& request = slot->request;
    request.clear();
    request.method_string(info.method);
    request.target(info.target);
    request.version(10 + static_cast<unsigned>(head.scan.version_minor));
    std::string_view raw(static_cast<const char*>(buffer_.data().data()), head.scan.head_size);
    request.parse_checked_lines(raw.substr(head.scan.fields_at, head.scan.head_size - head.scan.fields_at - 2));
    buffer_.consume(head.scan.head_size);
    bool client_keep_alive = head.scan.keeps_alive();
    bool websocket = asks_websocket_upgrade(request, framing.has_body);  // before its Upgrade and Connection go
    if (request.version() == 11 && head.scan.expect_continue) body.expect_continue();
    // The client's own fields are cleaned before any stage adds the gateway's.
    if (head.scan.underscore_in_names && !co_await handle_underscore_fields(request, info)) co_return false;
    strip_hop_by_hop(request);
    if (head.scan.has_expect) request.erase(http::field::expect);  // answered here, not by the upstream

    Exchange& ex = slot->exchange.emplace(w_, request, slot->response, body, info);
    ex.peer_address = peer_;
    ex.client_tls = tls_;
    ex.request_framing = framing;
    ex.websocket_upgrade = websocket;
    body.limit_to(&ex.request_body_limit);
    ExchangeEnd end(w_.pipeline(), ex, body);

    // Kept now: the upstream stage sends this very message as HTTP/1.1.
    unsigned client_version = request.version();
    co_await w_.pipeline().run(ex);
    if (auto* call = ex.response_body_as<UpstreamCall>(); call && call->upgraded()) {
      co_await serve_tunnel(ex, *call, end.outcome.ending);
      w_.report_failure(ex);
      co_return false;  // the connection was the tunnel's
    }

    // A body left unread cannot be skipped safely: close after answering.
    bool keep_alive = client_keep_alive && !ex.close_connection && !w_.draining() && body.done();
    keep_alive = co_await write_response(ex, client_version, keep_alive, end.outcome.ending);
    w_.report_failure(ex);  // while the request's headers are still here
    co_return keep_alive;
  }

  // Answers a head that could not be read whole or failed the framing checks.
  Awaitable<void> refuse_head(const HeadRead& head, RequestInfo& info) {
    auto limit = std::to_string(settings().max_header_size);
    switch (head.kind) {
      case HeadRead::Kind::rejected: co_return co_await reject(info, ErrorCode::bad_request, head.scan.status, head.scan.reason);
      case HeadRead::Kind::too_large: co_return co_await reject(info, ErrorCode::too_large, 431, "request head larger than " + limit + " bytes");
      case HeadRead::Kind::line_too_long:
        co_return co_await reject(info, ErrorCode::too_large, 414, "request line longer than " + limit + " bytes");
      case HeadRead::Kind::timed_out:
        // As nginx does: log 408 and close without answering. The stream's
        // timeout has closed the socket already, and a client this slow is not waited on.
        w_.request_ids().next_into(info.request_id);
        info.code = ErrorCode::request_timeout;
        info.detail = "request head not received in time";
        info.status = 408;
        co_return;
      default:  // client_closed: gone mid-head
        info.code = ErrorCode::client_closed;
        info.detail = "client closed before the request head was complete";
        co_return;
    }
  }

  // Fields named with '_' are dropped (the default), passed on, or refused,
  // as GATEHOUSE_HEADERS_WITH_UNDERSCORES says. False: refused and answered.
  Awaitable<bool> handle_underscore_fields(RequestHead& request, RequestInfo& info) {
    UnderscoreHeaders policy = settings().headers_with_underscores;
    if (policy == UnderscoreHeaders::allow) co_return true;
    auto names = underscore_field_names(request);
    if (names.empty()) co_return true;
    if (policy == UnderscoreHeaders::reject) {
      co_await reject(info, ErrorCode::bad_request, 400, "header field name " + names.front() + " contains an underscore");
      co_return false;
    }
    for (const auto& name : names) {
      w_.metrics().request_headers_dropped += request.erase(name);
      ops_log().debug("dropped request header {} from {} ({} {}): its name contains an underscore", name, peer_, info.method,
                      redact_target(info.target));
    }
    co_return true;
  }

  // Answers a request that never reached the pipeline, and closes.
  Awaitable<void> reject(RequestInfo& info, ErrorCode code, int status, std::string detail) {
    w_.request_ids().next_into(info.request_id);
    Problem p = problem_for(code, status);
    p.detail = detail;
    info.code = code;
    info.detail = std::move(detail);
    std::string instance = info.target.substr(0, info.target.find('?'));
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/problem+json");
    res.set("X-Request-Id", info.request_id);
    res.set(http::field::date, http_date_now());
    res.body() = problem_body(p, instance, info.request_id);
    res.prepare_payload();
    res.keep_alive(false);
    beast::get_lowest_layer(stream_).expires_after(settings().client_idle_timeout);
    auto [ec, n] = co_await http::async_write(stream_, res, use_nothrow);
    info.status = ec ? 0 : status;
    info.bytes_out = ec ? 0 : res.body().size();
  }

  // Writes the response through the response filters. The head leaves with
  // the first piece of the body when that piece is already at hand (one write,
  // one packet for a small response); otherwise at once, so that a slow or
  // streaming body does not hold it back. `ending` says how it went.
  Awaitable<bool> write_response(Exchange& ex, unsigned version, bool keep_alive, Outcome::Ending& ending) {
    RequestInfo& info = ex.info;
    ending = Outcome::Ending::client_gone;
    // The client is gone: nothing to write, and the line says 499.
    if (info.code == ErrorCode::client_closed) co_return false;
    if (!ex.answered()) ex.answer_problem(ErrorCode::internal, "no stage answered the request");
    auto& res = ex.response;
    ensure_date(res);
    bool has_body = !ex.is_head() && !status_has_no_body(res.result_int());
    FilterChain& filters = ex.response_filters();
    if (has_body && !filters.keeps_length()) ex.response_length.reset();
    ClientFraming decided =
        prepare_client_response(res, version, ex.is_head(), keep_alive, has_body ? ex.response_length : std::nullopt, has_body);
    keep_alive = decided.keep_alive;
    // Once the head is out, an upstream failure can only be an abrupt close.
    Outcome::Ending delivered = upstream_error_reason(info.code).empty() ? Outcome::Ending::delivered : Outcome::Ending::upstream_failed;

    auto& tcp = beast::get_lowest_layer(stream_);
    PiecePool::TextLease head = w_.pieces().take_text();
    append_head(*head, res);
    // A message without a body (HEAD, 204, 304) goes round once, head alone.
    BodySource* body = has_body ? ex.response_body() : nullptr;
    BodyFraming framing(decided.chunked);
    PiecePool::Lease piece_buffer = has_body ? w_.pieces().take() : PiecePool::Lease{};
    char* chunk = piece_buffer.get();
    bool head_sent = false;
    bool last = !has_body;
    do {
      std::string_view out;
      if (body && (head_sent || body->ready())) {
        BodyRead r = co_await body->read(asio::buffer(chunk, kBodyPiece));
        if (!r.ok()) {
          if (!head_sent) co_await write_head_alone(*head, info, res.result_int());
          // The head is out; the only honest signal left is an abrupt close.
          info.code = r.failure;
          info.detail = std::move(r.detail);
          ending = Outcome::Ending::upstream_failed;
          co_return false;
        }
        // The body's end is known with its last bytes: no read more to learn it.
        // (Filters are told of the end by an empty push, so they see it alone.)
        last = r.size == 0 || (filters.empty() && body->done());
        std::string_view piece(chunk, r.size);
        if (filters.empty()) out = piece;
        else if (!run_filters(ex, [&] { out = last ? filters.finish() : filters.push(piece); })) co_return false;
        if (out.empty() && !last && head_sent) continue;  // a filter holds these bytes back
      }
      auto framed = framing.frame(out, last);
      std::array<asio::const_buffer, 4> pieces{head_sent ? asio::const_buffer{} : asio::buffer(*head), framed[0], framed[1], framed[2]};
      // What the socket takes at once goes now; only a rest is awaited.
      error_code ec;
      write_now(stream_, pieces, ec);
      if (!ec && bytes_in(pieces) > 0) {
        tcp.expires_after(settings().client_idle_timeout);
        auto [wec, n] = co_await asio::async_write(stream_, pieces, use_nothrow);
        ec = wec;
      }
      if (ec) co_return client_gone(info, ec, head_sent);
      if (!head_sent) info.status = res.result_int();
      head_sent = true;
      info.bytes_out += out.size();
    } while (!last);
    // Delivered whole without a body (HEAD, 204, 304): the filters see the end, not an abort.
    if (!body && !run_filters(ex, [&] { filters.finish(); })) co_return false;
    ending = delivered;
    co_return keep_alive;
  }

  // The upstream switched to WebSocket: the 101 goes to the client with the
  // fields the switch needs, then the connection is a tunnel until it ends.
  // The request's access line is written then, with the tunnel's duration
  // and its bytes each way (bytes=, bytes_in=). While the tunnel runs the
  // connection is busy: a drain waits for it, up to its deadline.
  Awaitable<void> serve_tunnel(Exchange& ex, UpstreamCall& call, Outcome::Ending& ending) {
    RequestInfo& info = ex.info;
    ending = Outcome::Ending::client_gone;
    if (info.code == ErrorCode::client_closed) co_return;
    auto& res = ex.response;
    ensure_date(res);
    prepare_client_response(res, 11, false, true, std::nullopt, false);
    res.erase(http::field::content_length);
    res.set(http::field::connection, "upgrade");
    res.set(http::field::upgrade, "websocket");
    if (!run_filters(ex, [&] { ex.response_filters().finish(); })) co_return;
    PiecePool::TextLease head = w_.pieces().take_text();
    append_head(*head, res);
    std::unique_ptr<UpstreamConnection> upstream = call.take_upgraded_connection();
    beast::get_lowest_layer(stream_).expires_after(settings().client_idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(*head), nothrow_on<Stream>);
    if (ec) {
      client_gone(info, ec, false);
      co_return;
    }
    info.status = 101;
    TunnelResult t = co_await run_tunnel(stream_, buffer_, *upstream, ex.route->options.websocket_idle_timeout, info.bytes_in, info.bytes_out);
    ending = Outcome::Ending::delivered;
    switch (t.end) {
      case TunnelResult::End::closed: break;
      case TunnelResult::End::idle_timeout: info.code = ErrorCode::tunnel_idle; break;
      case TunnelResult::End::client_failed: info.code = ErrorCode::client_closed; break;
      case TunnelResult::End::upstream_failed:
        info.code = ErrorCode::upstream_reset;
        ending = Outcome::Ending::upstream_failed;
        break;
    }
    info.detail = std::move(t.detail);
  }

  // Runs filter code; an exception escaping a filter is a bug, as in a stage:
  // the body is cut short, the line says EX, the connection is closed.
  template <class F>
  bool run_filters(Exchange& ex, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      ops_log().debug("exception in a response filter for request {}: {}", ex.info.request_id, e.what());
    } catch (...) {
      ops_log().debug("exception in a response filter for request {}", ex.info.request_id);
    }
    ex.response_filters().abort();
    ex.info.code = ErrorCode::internal;
    ex.info.detail = "internal error in a response filter";
    return false;
  }

  // Sends the head with no body bytes (a body whose first read failed).
  Awaitable<void> write_head_alone(const std::string& head, RequestInfo& info, int status) {
    beast::get_lowest_layer(stream_).expires_after(settings().client_idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), use_nothrow);
    if (!ec) info.status = status;
  }

  bool client_gone(RequestInfo& info, const error_code& ec, bool head_sent) {
    if (!head_sent) info.status = 0;  // the completion turns this into 499
    if (info.code == ErrorCode::none) {
      info.code = ErrorCode::client_closed;
      info.detail = is_disconnect(ec) ? "client closed before the response was complete" : "write to client failed: " + ec.message();
    }
    return false;
  }

  Worker& w_;
  Stream& stream_;
  std::string peer_;
  bool tls_;
  std::size_t last_head_size_ = 0;  // of this connection's last request, with the empty lines before it
  beast::flat_buffer buffer_;
  ConnectionEntry entry_;
};

std::string peer_text(const Socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "-";
  auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// Half-closes, then reads and discards what the client still sends for a
// moment, so that unread request bytes do not turn our close into a reset
// that destroys the response in flight (the "lingering close").
template <class Stream>
Awaitable<void> linger_close(Stream& stream) {
  auto& tcp = beast::get_lowest_layer(stream);
  error_code ignored;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Bounded by time, as nginx's lingering_time is, not by a count of reads.
  tcp.expires_after(std::chrono::seconds(2));
  // Small, so that this frame stays under the 2 KiB Asio recycles.
  char sink[1024];
  while (true) {
    auto [ec, n] = co_await tcp.async_read_some(asio::buffer(sink), use_nothrow);
    if (ec) break;
  }
  tcp.close();
}

}  // namespace

Awaitable<void> serve_plain_connection(Worker& w, Socket socket) {
  std::string peer = peer_text(socket);
  PlainStream stream(TimedStream::Parts{std::move(socket), w.deadlines()});
  {
    Session<PlainStream> session(w, stream, std::move(peer), false);
    co_await session.run();
  }
  co_await linger_close(stream);
}

Awaitable<void> serve_tls_connection(Worker& w, Socket socket) {
  std::string peer = peer_text(socket);
  TlsStream stream(TimedStream::Parts{std::move(socket), w.deadlines()}, *w.settings_tls());
  beast::get_lowest_layer(stream).expires_after(w.settings().header_timeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_nothrow_coro);
  if (ec) {
    ops_log().debug("TLS handshake with {} failed: {}", peer, ec.message());
    co_return;
  }
  {
    Session<TlsStream> session(w, stream, std::move(peer), true);
    co_await session.run();
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(use_nothrow_coro);
  beast::get_lowest_layer(stream).close();
}

}  // namespace gatehouse
