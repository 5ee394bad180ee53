#include "gatehouse/admin_server.hpp"
#include "gatehouse/http_date.hpp"

#include "gatehouse/error_reporter.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/health.hpp"
#include "gatehouse/metrics.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/stage_factory.hpp"
#include "gatehouse/worker.hpp"

namespace gatehouse {

AdminServer::AdminServer(SharedState& shared, std::vector<Worker*> workers, tcp::acceptor::endpoint_type endpoint)
    : shared_(shared), workers_(std::move(workers)), acceptor_(io_) {
  for (const auto& r : shared_.settings.routes) route_names_.push_back(r.name);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void AdminServer::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

Awaitable<void> AdminServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
    if (ec) break;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

Awaitable<std::string> AdminServer::collect(std::string_view accept, std::string& content_type) {
  MetricsShard totals;
  for (Worker* w : workers_) {
    // Runs on the worker's own thread; only the copy crosses back here.
    MetricsShard copy = co_await asio::co_spawn(
        w->io(), [w]() -> Awaitable<MetricsShard> { co_return w->metrics(); }, asio::use_awaitable_t<Executor>{});
    totals.merge(copy);
  }
  ExpositionInput in{totals, route_names_, ProcessStats::read_self(), shared_.access_log.dropped_lines()};
  if (shared_.stages)
    for (const auto& factory : *shared_.stages)
      for (auto& family : factory->metric_families(route_names_)) in.stage_families.push_back(std::move(family));
  if (shared_.reporter) {
    in.error_reports_sent = shared_.reporter->sent();
    in.error_reports_dropped = shared_.reporter->dropped();
    in.error_reports_failed = shared_.reporter->failed();
    in.error_reports_grouped = shared_.reporter->grouped();
  }
  ExpositionFormat format = negotiate_exposition(accept);
  content_type = std::string(exposition_content_type(format));
  co_return render_metrics(in, format);
}

Awaitable<void> AdminServer::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (ec) break;
    const auto& req = parser.get();
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::cache_control, "no-store");
    std::optional<StageAdminAnswer> staged;
    if (shared_.stages)
      for (const auto& factory : *shared_.stages)
        if ((staged = factory->admin(req.method_string(), req.target()))) break;
    if (staged) {
      res.result(staged->status);
      res.set(http::field::content_type, "application/json");
      if (!staged->allow.empty()) res.set(http::field::allow, staged->allow);
      res.body() = std::move(staged->body);
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
    } else if (target == "/metrics") {
      std::string type;
      res.body() = co_await collect(req[http::field::accept], type);
      res.set(http::field::content_type, type);
    } else if (auto health = health_answer(target, shared_.draining.load(std::memory_order_relaxed))) {
      res.result(health->status);
      res.set(http::field::content_type, "application/json");
      res.body() = health->json_body;
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "application/problem+json");
      res.body() = "{\"type\":\"/problems/no-route\",\"title\":\"No route matches\",\"status\":404}\n";
    }
    res.keep_alive(req.keep_alive());
    res.set(http::field::date, http_date_now());
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    auto [wec, wn] = co_await http::async_write(stream, res, use_nothrow);
    if (wec || !req.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace gatehouse
