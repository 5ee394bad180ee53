#include <sys/socket.h>

#include "gatehouse/endpoint_set.hpp"
#include "gatehouse/upstream_connection.hpp"

namespace gatehouse {

UpstreamConnection::UpstreamConnection(asio::io_context& io, Deadlines& deadlines, std::int64_t& open_gauge)
    : stream_(std::in_place_type<PlainStream>, io, deadlines), open_gauge_(open_gauge) {
  ++open_gauge_;
}

UpstreamConnection::UpstreamConnection(asio::io_context& io, Deadlines& deadlines, ssl::context& tls, std::int64_t& open_gauge)
    : stream_(std::in_place_type<TlsStream>, TimedStream::Parts{Socket(io), deadlines}, tls), open_gauge_(open_gauge) {
  ++open_gauge_;
}

UpstreamConnection::~UpstreamConnection() { --open_gauge_; }

TimedStream& UpstreamConnection::tcp() {
  return visit([](auto& s) -> TimedStream& { return beast::get_lowest_layer(s); });
}

bool UpstreamConnection::peek_says_broken() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return true;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;                 // orderly close by the upstream
  if (n > 0) return !is_tls();             // unasked-for bytes (TLS may send session tickets)
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

void UpstreamConnection::watch_while_idle() {
  if (is_tls()) return;
  if (!watch_) watch_ = std::make_shared<IdleWatch>();
  watch_->broken = false;
  unsigned generation = ++watch_->generation;
  watching_ = true;
  tcp().socket().async_receive(asio::buffer(&watch_->byte, 1), Socket::message_peek,
                               [watch = watch_, generation](const error_code& ec, std::size_t) {
                                 // Cancelled: the connection was taken for a request, or closed.
                                 if (ec != asio::error::operation_aborted && watch->generation == generation) watch->broken = true;
                               });
}

namespace {
// Upstream keep-alive timeouts are seconds (nginx 75 s, Node 5 s); below this
// idle time the watch alone decides, and taking a connection costs no peek.
constexpr std::chrono::seconds kPeekAfterIdle{1};
}  // namespace

bool UpstreamConnection::end_idle_spell(std::chrono::steady_clock::duration idle_for) {
  if (is_tls()) return peek_says_broken();
  if (!watching_) return idle_for < kTrustedIdle ? !tcp().socket().is_open() : peek_says_broken();
  watching_ = false;
  error_code ignored;
  tcp().socket().cancel(ignored);  // no system call: the pending read is dropped from the event loop's queue
  if (watch_->broken || !tcp().socket().is_open()) return true;
  return idle_for >= kPeekAfterIdle && peek_says_broken();
}

bool UpstreamConnection::broke_while_idle() {
  if (is_tls()) return peek_says_broken();
  return watch_ && watch_->broken;
}

std::unique_ptr<UpstreamConnection> EndpointSet::acquire(Endpoint& e, Clock::time_point now) {
  while (!e.idle.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(e.idle.back());
    e.idle.pop_back();
    bool broken = c->end_idle_spell(now - c->idle_since);
    if (now - c->idle_since < idle_timeout_ && !broken) return c;
  }
  return nullptr;
}

void EndpointSet::release(Endpoint& e, std::unique_ptr<UpstreamConnection> c, Clock::time_point now) {
  if (e.idle.size() >= max_idle_) return;  // dropping it closes it
  c->idle_since = now;
  e.idle.push_back(std::move(c));  // watched from the next sweep on, if still idle then
}

void EndpointSet::sweep(Clock::time_point now) {
  for (auto& e : endpoints_) {
    std::erase_if(e.idle, [&](const std::unique_ptr<UpstreamConnection>& c) {
      return now - c->idle_since >= idle_timeout_ || c->broke_while_idle();
    });
    for (auto& c : e.idle)
      if (!c->watching()) c->watch_while_idle();
  }
}

void EndpointSet::close_all_idle() {
  for (auto& e : endpoints_) e.idle.clear();
}

}  // namespace gatehouse
