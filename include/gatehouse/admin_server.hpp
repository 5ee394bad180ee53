#pragma once
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "gatehouse/net.hpp"

namespace gatehouse {

class Worker;
struct SharedState;

// The admin listener (GATEHOUSE_ADMIN_PORT, 127.0.0.1 by default): /metrics,
// /healthz and /readyz, on its own thread so that a scrape never queues
// behind proxied traffic. A scrape asks each worker, on that worker's own
// thread, for a copy of its metrics and merges them: the request path takes
// no lock and touches no shared counter.
class AdminServer {
 public:
  AdminServer(SharedState& shared, std::vector<Worker*> workers, tcp::acceptor::endpoint_type endpoint);
  ~AdminServer();
  std::uint16_t port() const { return port_; }
  void start();
  void stop();  // before the workers stop: a scrape waits on them

 private:
  Awaitable<void> accept_loop();
  Awaitable<void> serve(tcp::socket socket);
  Awaitable<std::string> collect(std::string_view accept, std::string& content_type);

  SharedState& shared_;
  std::vector<Worker*> workers_;
  std::vector<std::string> route_names_;  // by route id, for the `route` label
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace gatehouse
