#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <boost/intrusive/list.hpp>
#include <vector>

#include "gatehouse/background_work.hpp"
#include "gatehouse/log_writer.hpp"
#include "gatehouse/metrics.hpp"
#include "gatehouse/net.hpp"
#include "gatehouse/pipeline.hpp"
#include "gatehouse/request_id.hpp"
#include "gatehouse/request_info.hpp"
#include "gatehouse/route_table.hpp"
#include "gatehouse/settings.hpp"
#include "gatehouse/stage_factory.hpp"
#include "gatehouse/timed_stream.hpp"
#include "gatehouse/upstream_client.hpp"

namespace gatehouse {

class ErrorReporter;
struct Exchange;

// What a connection shows the worker so that a drain can close it when idle.
// Linked into the worker's list by a hook of its own: no node allocated per
// connection (an idle keep-alive connection is counted in bytes).
struct ConnectionEntry {
  boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> hook;
  TimedStream* lowest = nullptr;
  bool idle = true;
};

// Shared, read-only after start-up: settings, routes, TLS contexts, log sink.
struct SharedState {
  const Settings& settings;
  RouteTable routes;
  LogWriter& access_log;
  ssl::context* server_tls = nullptr;  // null: plain HTTP on the public port
  ssl::context& upstream_tls;
  ErrorReporter* reporter = nullptr;   // null: no tracker configured
  const StageFactories* stages = nullptr;  // the pipeline each worker builds; null: none (tests set their own)
  std::atomic<bool> draining{false};
};

// One thread, one io_context, one acceptor, one pipeline, one set of upstream
// pools. A connection stays on the worker that accepted it.
class Worker {
 public:
  Worker(unsigned index, SharedState& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& io() { return *io_; }
  const Settings& settings() const { return shared_.settings; }
  const RouteTable& routes() const { return shared_.routes; }
  const Pipeline& pipeline() const { return pipeline_; }
  // Replaces the pipeline (tests build their own from services()).
  void use_pipeline(Pipeline p) { pipeline_ = std::move(p); }
  StageServices& services() { return services_; }
  ssl::context* settings_tls() { return shared_.server_tls; }
  bool draining() const { return shared_.draining.load(std::memory_order_relaxed); }
  RequestIdGenerator& request_ids() { return request_ids_; }
  UpstreamClient& upstream() { return upstream_; }
  PiecePool& pieces() { return pieces_; }
  Deadlines& deadlines() { return deadlines_; }
  BackgroundWork& background() { return background_; }

  // The `complete` step, once per request: metrics, then the access line.
  // Lines are gathered per worker and handed to the log writer once per turn
  // of the event loop, not once per line (one lock and at most one wake-up of
  // the writer thread per batch).
  void complete_request(const RequestInfo& info);
  // Sends a report when the request failed in a way the settings ask to report.
  void report_failure(const Exchange& ex);
  // This worker's counters; touched only on this worker's thread.
  MetricsShard& metrics() { return metrics_; }

  void serve(tcp::acceptor acceptor);
  // Posted from the main thread on SIGTERM: stop accepting, close idle
  // connections, cancel background work.
  void begin_drain();
  // Read from the main thread while draining, hence atomic.
  std::size_t open_connections() const { return open_.load(std::memory_order_relaxed); }
  // Background tasks that a drain lets finish (recording idempotency outcomes).
  std::size_t finishing_tasks() const { return background_.finishing(); }
  void run() { io_->run(); }
  void stop() { io_->stop(); }

  void track(ConnectionEntry* e) {
    connections_.push_back(*e);
    open_.fetch_add(1, std::memory_order_relaxed);
    ++metrics_.client_connections;
  }
  void untrack(ConnectionEntry* e) {
    e->hook.unlink();
    open_.fetch_sub(1, std::memory_order_relaxed);
    --metrics_.client_connections;
  }

 private:
  Awaitable<void> accept_loop();
  void start_connection(Socket socket);
  static constexpr int kAcceptBurst = 64;
  Awaitable<void> sweep_loop();
  Awaitable<void> deadline_loop();

  unsigned index_;
  SharedState& shared_;
  // Before the io_context and everything holding streams: a stream leaves
  // this list when it is destroyed.
  Deadlines deadlines_;
  // A pointer so that ~Worker can close pooled connections before the
  // io_context goes, and destroy it (and the requests still in it, which log
  // their lines) while everything they touch is still alive.
  std::unique_ptr<asio::io_context> io_;
  std::optional<tcp::acceptor> acceptor_;
  MetricsShard metrics_;
  PiecePool pieces_;
  RequestIdGenerator request_ids_;
  UpstreamClient upstream_;
  BackgroundWork background_;
  StageServices services_;
  Pipeline pipeline_;
  boost::intrusive::list<ConnectionEntry,
                         boost::intrusive::member_hook<ConnectionEntry, decltype(ConnectionEntry::hook), &ConnectionEntry::hook>,
                         boost::intrusive::constant_time_size<false>>
      connections_;
  void flush_access_lines();
  std::string access_batch_;          // whole lines not yet handed to the log writer
  std::size_t access_batch_lines_ = 0;
  bool flush_posted_ = false;
  bool shutting_down_ = false;        // the io_context is going: no more posting
  std::atomic<std::size_t> open_{0};
};

// Serves one accepted connection until it closes (src/server/session.cpp).
Awaitable<void> serve_plain_connection(Worker& w, Socket socket);
Awaitable<void> serve_tls_connection(Worker& w, Socket socket);

}  // namespace gatehouse
