#include "gatehouse/worker.hpp"

#include "gatehouse/access_line.hpp"
#include "gatehouse/error_reporter.hpp"
#include "gatehouse/exchange.hpp"
#include "gatehouse/ops_log.hpp"

namespace gatehouse {

Worker::Worker(unsigned index, SharedState& shared)
    : index_(index),
      shared_(shared),
      // One thread runs this loop and touches its sockets (drain and shutdown
      // are posted to it): the per-socket locks of Asio's reactor go, the
      // scheduler's stays for what other threads post.
      io_(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO)),
      upstream_(UpstreamContext{*io_, deadlines_, shared.upstream_tls, shared.settings.upstream_tls_verify, metrics_.upstream_connections,
                                shared.draining, pieces_},
                shared.settings, metrics_),
      background_(*io_, shared.settings.background_limit, metrics_),
      services_{*io_, shared.settings, shared.routes, metrics_, background_, upstream_, request_ids_, shared.draining, pieces_, shared.reporter} {
  if (shared.stages)
    for (const auto& factory : *shared.stages) pipeline_.add(factory->create(services_));
  access_batch_.reserve(16 * 1024);
}

Worker::~Worker() {
  // Requests cut off below still run their completion hooks: they may not
  // start work on an event loop that is going away.
  background_.cancel_all();
  acceptor_.reset();
  upstream_.close_all_idle();
  // Before the loop goes: a stage's connections closed after it would touch
  // its freed reactor (a Redis link did, and glibc aborted on its mutex).
  pipeline_.worker_stopping();
  shutting_down_ = true;
  io_.reset();  // requests cut off now still complete, into the batch
  flush_access_lines();
}

void Worker::complete_request(const RequestInfo& info) {
  metrics_.record(info);
  LogLevel level = shared_.settings.log_level;
  std::string_view at = error_code_level(info.code);
  if (level == LogLevel::warn && at == "info") return;
  if (level == LogLevel::error && at != "error") return;
  append_access_line(access_batch_, info, shared_.settings.log_format);
  ++access_batch_lines_;
  constexpr std::size_t kFlushAt = 64 * 1024;
  if (shutting_down_ || access_batch_.size() >= kFlushAt) {
    flush_access_lines();
  } else if (!flush_posted_) {
    // Runs after the handlers already queued: every request that completes
    // in this turn of the loop joins the same batch.
    flush_posted_ = true;
    asio::post(*io_, [this] { flush_access_lines(); });
  }
}

void Worker::flush_access_lines() {
  flush_posted_ = false;
  if (access_batch_lines_ == 0) return;
  shared_.access_log.write(access_batch_, access_batch_lines_);
  access_batch_.clear();
  access_batch_lines_ = 0;
}

namespace {
std::string_view report_type(ErrorCode code) {
  switch (code) {
    case ErrorCode::upstream_connect: return "UpstreamConnectFailure";
    case ErrorCode::upstream_timeout: return "UpstreamTimeout";
    case ErrorCode::upstream_reset: return "UpstreamReset";
    case ErrorCode::upstream_protocol: return "UpstreamBadResponse";
    case ErrorCode::upstream_5xx: return "Upstream5xx";
    case ErrorCode::internal: return "StageException";
    default: return "";
  }
}
}  // namespace

void Worker::report_failure(const Exchange& ex) {
  const RequestInfo& info = ex.info;
  if (!shared_.reporter) return;
  const Settings& s = shared_.settings;
  bool wanted = info.code == ErrorCode::internal ||
                (info.code == ErrorCode::upstream_5xx && s.report_upstream_5xx) ||
                (!upstream_error_reason(info.code).empty() && s.report_upstream_failures);
  if (!wanted) return;
  ErrorReport r;
  r.type = report_type(info.code);
  r.message = info.detail.empty() ? std::string(error_code_description(info.code)) : info.detail;
  r.place = info.code == ErrorCode::internal ? "stage " + std::string(ex.failed_stage) : "upstream " + info.upstream;
  r.route = info.route;
  r.method = info.method;
  r.url = std::string(ex.client_tls ? "https://" : "http://") + info.host + redact_target(info.target);
  for (const auto f : ex.request) r.headers.emplace_back(std::string(f.name), std::string(f.value));
  r.headers = scrub_headers(std::move(r.headers));
  r.request_id = info.request_id;
  r.status = info.status;
  r.error_code = std::string(error_code_text(info.code));
  shared_.reporter->submit(std::move(r));
}

void Worker::serve(tcp::acceptor acceptor) {
  acceptor_.emplace(std::move(acceptor));
  // Accepts past the first of a burst must not block (see accept_loop).
  error_code ignored;
  acceptor_->non_blocking(true, ignored);
  asio::co_spawn(*io_, accept_loop(), asio::detached);
  asio::co_spawn(*io_, sweep_loop(), asio::detached);
  asio::co_spawn(*io_, deadline_loop(), asio::detached);
}

Awaitable<void> Worker::accept_loop() {
  while (acceptor_ && acceptor_->is_open()) {
    auto [ec, socket] = co_await acceptor_->async_accept(*io_, use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) break;
      // Out of file descriptors and the like: say so, pause, carry on.
      ops_log().warn("worker {}: accept failed: {}", index_, ec.message());
      asio::steady_timer pause(*io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    start_connection(std::move(socket));
    // Connections that queued meanwhile are taken now, up to a burst, not one
    // per turn of the loop behind every other completion (nginx's
    // multi_accept): a thousand clients connecting at once wait a few turns
    // for their first answer, not a thousand.
    for (int i = 1; i < kAcceptBurst && acceptor_->is_open(); ++i) {
      error_code more_ec;
      Socket more = acceptor_->accept(*io_, more_ec);
      if (more_ec) break;  // none left (would_block), or a failure the next async accept reports
      start_connection(std::move(more));
    }
  }
}

void Worker::start_connection(Socket socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (shared_.server_tls) asio::co_spawn(*io_, serve_tls_connection(*this, std::move(socket)), asio::detached);
  else asio::co_spawn(*io_, serve_plain_connection(*this, std::move(socket)), asio::detached);
}

Awaitable<void> Worker::sweep_loop() {
  asio::steady_timer timer(*io_);
  while (!draining()) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) break;
    upstream_.sweep(std::chrono::steady_clock::now());
  }
}

// Runs until the worker stops: requests still in flight during a drain
// keep their timeouts.
Awaitable<void> Worker::deadline_loop() {
  asio::steady_timer timer(*io_);
  while (true) {
    timer.expires_after(Deadlines::kTick);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) break;
    deadlines_.sweep(std::chrono::steady_clock::now());
  }
}

void Worker::begin_drain() {
  error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  // Idle keep-alive connections are closed now; busy ones after their response.
  for (ConnectionEntry& e : connections_)
    if (e.idle) {
      e.lowest->cancel();
    }
  upstream_.close_all_idle();
  background_.begin_drain();
}

}  // namespace gatehouse
