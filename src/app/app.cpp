#include "gatehouse/app.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <thread>

#include "gatehouse/admin_server.hpp"
#include "gatehouse/error_reporter.hpp"
#include "gatehouse/listener.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/tls_context.hpp"
#include "gatehouse/worker.hpp"

namespace gatehouse {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t open_connections(const std::vector<std::unique_ptr<Worker>>& workers) {
  std::size_t n = 0;
  for (const auto& w : workers) n += w->open_connections();
  return n;
}

// SIGTERM/SIGINT, awaited on the main thread. The handler is installed while
// the signals are still blocked, before the gateway says it listens: a signal
// sent the moment it is up is then caught and drained, not fatal.
class StopSignals {
 public:
  StopSignals() : signals_(io_, SIGTERM, SIGINT) {
    signals_.async_wait([this](const error_code& ec, int sig) {
      if (!ec) received_ = sig;
    });
  }
  int wait() {
    io_.run();
    return received_;
  }

 private:
  asio::io_context io_{1};
  asio::signal_set signals_;
  int received_ = 0;
};

// Each connection needs a descriptor, and a proxied one two. Raises the soft
// limit to the hard one (as nginx's worker_rlimit_nofile or Go do), and warns
// when even that is too low to serve many clients.
void check_file_descriptor_limit() {
  constexpr rlim_t kWanted = 4096;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  constexpr rlim_t kEnough = 1 << 20;
  if (limit.rlim_cur < kEnough && limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = std::min(limit.rlim_max, kEnough);  // never lowers: rlim_cur was below both
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur < kWanted)
    ops_log().warn("the file-descriptor limit (RLIMIT_NOFILE) is {}: at most about {} clients can be proxied at once; "
                   "raise it to {} or more (ulimit -n, systemd LimitNOFILE=)",
                   limit.rlim_cur, limit.rlim_cur / 2, kWanted);
}

}  // namespace

void check_tls_files(const Settings& settings) {
  if (settings.tls_enabled()) make_server_tls_context(settings);
  make_upstream_tls_context(settings);
}

int run_gateway(const Settings& settings, const StageFactories& stages) {
  check_file_descriptor_limit();
  LogWriter access_log(STDOUT_FILENO);
  std::optional<ssl::context> server_tls;
  if (settings.tls_enabled()) server_tls.emplace(make_server_tls_context(settings));
  ssl::context upstream_tls = make_upstream_tls_context(settings);
  SharedState shared{settings, RouteTable(settings.routes), access_log, server_tls ? &*server_tls : nullptr, upstream_tls};
  shared.stages = &stages;

  // Its own TLS context: trackers are verified against the system's store.
  ssl::context tracker_tls(ssl::context::tls_client);
  tracker_tls.set_default_verify_paths();
  std::optional<ErrorReporter> reporter;
  if (settings.reporting_enabled()) {
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    ReporterSettings rs{settings.sentry_dsn.empty() ? std::nullopt : parse_sentry_dsn(settings.sentry_dsn),
                        settings.honeybadger_api_key, settings.honeybadger_endpoint,
                        ReportContext{settings.environment, settings.release, host},
                        settings.report_queue_size, settings.report_timeout, settings.report_group_window};
    reporter.emplace(std::move(rs), tracker_tls);
    reporter->start();
    shared.reporter = &*reporter;
  }

  // Block the signals in every thread; the main thread waits for them.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  StopSignals stop_signals;

  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<asio::io_context*> contexts;
  for (unsigned i = 0; i < settings.workers; ++i) {
    workers.push_back(std::make_unique<Worker>(i, shared));
    contexts.push_back(&workers.back()->io());
  }
  std::vector<tcp::acceptor> acceptors;
  try {
    acceptors = open_listeners(contexts, settings.bind_address, settings.port);
  } catch (const boost::system::system_error& e) {  // Asio's, which is not a std::system_error
    ops_log().error("cannot listen on {}:{} (GATEHOUSE_PORT/PORT, GATEHOUSE_BIND): {}", settings.bind_address, settings.port,
                    e.code().message());
    return 1;
  }
  auto bound = acceptors.front().local_endpoint();
  for (std::size_t i = 0; i < workers.size(); ++i) workers[i]->serve(std::move(acceptors[i]));

  std::optional<AdminServer> admin;
  if (settings.admin_port) {
    std::vector<Worker*> raw;
    for (auto& w : workers) raw.push_back(w.get());
    try {
      admin.emplace(shared, raw, tcp::endpoint(asio::ip::make_address(settings.admin_bind), *settings.admin_port));
    } catch (const boost::system::system_error& e) {
      ops_log().error("cannot listen on {}:{} (GATEHOUSE_ADMIN_PORT, GATEHOUSE_ADMIN_BIND): {}", settings.admin_bind,
                      *settings.admin_port, e.code().message());
      return 1;
    }
  }

  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  ops_log().info("gatehouse {} listening on {}:{} ({}), {} worker{}, {} route{}", GATEHOUSE_VERSION, bound.address().to_string(),
                 bound.port(), server_tls ? "https" : "http", workers.size(), workers.size() == 1 ? "" : "s",
                 settings.routes.size(), settings.routes.size() == 1 ? "" : "s");
  // Logged after the public listener's line: tools that wait for it know both are up.
  if (admin) {
    admin->start();
    ops_log().info("admin listener on {}:{} (/metrics, /healthz, /readyz)", settings.admin_bind, admin->port());
  }

  pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);

  int sig = stop_signals.wait();
  ops_log().info("received {}, draining for up to {} ms", sig == SIGINT ? "SIGINT" : "SIGTERM", settings.drain_timeout.count());
  shared.draining = true;
  for (auto& w : workers) asio::post(w->io(), [&w] { w->begin_drain(); });

  // Wait for in-flight requests, up to the deadline. The signal handler is
  // gone now, so a second SIGTERM/SIGINT ends the process at once.
  auto deadline = Clock::now() + settings.drain_timeout;
  // Then for the work that records what those requests did (an idempotency
  // key's outcome), which outlives each request by a store round trip.
  auto busy = [&] {
    std::size_t n = open_connections(workers);
    for (auto& w : workers) n += w->finishing_tasks();
    return n;
  };
  while (busy() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::size_t left = open_connections(workers);
  if (left > 0) ops_log().warn("drain deadline reached with {} connection{} still open", left, left == 1 ? "" : "s");

  if (admin) admin->stop();  // a scrape waits on the workers: stop it first
  for (auto& w : workers) w->stop();
  for (auto& t : threads) t.join();
  workers.clear();  // requests cut off now still write their access line
  if (reporter) reporter->flush_and_stop(std::chrono::seconds(2));
  access_log.stop();
  if (auto dropped = access_log.dropped_lines()) ops_log().warn("{} access-log lines were dropped (stdout too slow)", dropped);
  ops_log().info("stopped");
  return 0;
}

}  // namespace gatehouse
