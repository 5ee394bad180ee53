#include <sys/socket.h>

#include "gatehouse/endpoint_set.hpp"
#include "gatehouse/upstream_connection.hpp"

namespace gatehouse {

UpstreamConnection::UpstreamConnection(asio::io_context& io, std::int64_t& open_gauge)
    : stream_(std::in_place_type<PlainStream>, io), open_gauge_(open_gauge) {
  ++open_gauge_;
}

UpstreamConnection::UpstreamConnection(asio::io_context& io, ssl::context& tls, std::int64_t& open_gauge)
    : stream_(std::in_place_type<TlsStream>, io, tls), open_gauge_(open_gauge) {
  ++open_gauge_;
}

UpstreamConnection::~UpstreamConnection() { --open_gauge_; }

beast::tcp_stream& UpstreamConnection::tcp() {
  return visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); });
}

bool UpstreamConnection::idle_connection_is_broken() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return true;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;                 // orderly close by the upstream
  if (n > 0) return !is_tls();             // unasked-for bytes (TLS may send session tickets)
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

std::unique_ptr<UpstreamConnection> EndpointSet::acquire(Endpoint& e, Clock::time_point now) {
  while (!e.idle.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(e.idle.back());
    e.idle.pop_back();
    if (now - c->idle_since < idle_timeout_ && !c->idle_connection_is_broken()) return c;
  }
  return nullptr;
}

void EndpointSet::release(Endpoint& e, std::unique_ptr<UpstreamConnection> c, Clock::time_point now) {
  if (e.idle.size() >= max_idle_) return;  // dropping it closes it
  c->idle_since = now;
  e.idle.push_back(std::move(c));
}

void EndpointSet::sweep(Clock::time_point now) {
  for (auto& e : endpoints_) {
    std::erase_if(e.idle, [&](const std::unique_ptr<UpstreamConnection>& c) {
      return now - c->idle_since >= idle_timeout_ || c->idle_connection_is_broken();
    });
  }
}

void EndpointSet::close_all_idle() {
  for (auto& e : endpoints_) e.idle.clear();
}

}  // namespace gatehouse
