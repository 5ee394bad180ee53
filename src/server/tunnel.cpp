#include "gatehouse/tunnel.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <memory>


namespace gatehouse {
namespace {

// Per direction: what one read moves at most. An idle WebSocket holds two
// of these (nginx's proxy_buffer_size is 4-8 KiB too).
constexpr std::size_t kTunnelBuffer = 8 * 1024;

// What the tunnel's two directions share: the first failure, which closed
// both sides and so made the other direction fail too.
struct TunnelState {
  std::chrono::milliseconds idle{};
  bool failed = false;
  TunnelResult result;
};

bool orderly_close(const error_code& ec) {
  // A TLS peer that closes TCP without close_notify is "truncated": for a
  // tunnel whose own protocol said goodbye, that is an ending like EOF.
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

template <class S>
TimedStream& tcp_of(S& s) {
  return beast::get_lowest_layer(s);
}

// Copies from `from` to `to` until `from` ends, `pending` first. A stream
// has one deadline for all its operations, moved on by each read and each
// write: the read pending on a silent client is kept alive by the other
// direction's writes to it. So a tunnel is idle only when neither direction
// moved (a client that only listens while the server pushes stays open). On an orderly close the other side is half-closed and
// the other direction keeps running; on a failure both sockets are closed,
// which ends the other direction too. `from_client` names the sides.
template <class From, class To>
Awaitable<void> pump(From& from, beast::flat_buffer& pending, To& to, bool from_client, TunnelState& state, std::uint64_t& count) {
  TimedStream& in = tcp_of(from);
  TimedStream& out = tcp_of(to);
  auto fail = [&](bool reading, const error_code& ec) {
    if (!state.failed) {
      state.failed = true;
      bool client_side = reading == from_client;
      if (ec == beast::error::timeout) {
        state.result = {TunnelResult::End::idle_timeout, "no byte either way for " + std::to_string(state.idle.count()) + " ms"};
      } else if (client_side) {
        state.result = {TunnelResult::End::client_failed, "client connection failed: " + ec.message()};
      } else {
        state.result = {TunnelResult::End::upstream_failed, "upstream connection failed: " + ec.message()};
      }
    }
    in.close();
    out.close();
  };
  if (pending.size() > 0) {
    out.expires_after(state.idle);
    auto [ec, n] = co_await asio::async_write(to, pending.data(), nothrow_on<To>);
    count += n;
    pending.consume(n);
    if (ec) co_return fail(false, ec);
  }
  std::unique_ptr<char[]> buffer(new char[kTunnelBuffer]);
  while (true) {
    in.expires_after(state.idle);
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer.get(), kTunnelBuffer), nothrow_on<From>);
    if (n > 0) {
      out.expires_after(state.idle);
      auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.get(), n), nothrow_on<To>);
      count += written;
      if (wec) co_return fail(false, wec);
    }
    if (!ec) continue;
    if (!orderly_close(ec)) co_return fail(true, ec);
    // TCP's half-close, also under TLS: the tunnel's own protocol has said
    // goodbye; a close_notify would wait on the peer's.
    error_code ignored;
    out.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }
}

}  // namespace

template <class ClientStream>
Awaitable<TunnelResult> run_tunnel(ClientStream& client, beast::flat_buffer& client_pending, UpstreamConnection& upstream,
                                   std::chrono::milliseconds idle, std::uint64_t& to_upstream, std::uint64_t& to_client) {
  using namespace asio::experimental::awaitable_operators;
  TunnelState state;
  state.idle = idle;
  auto both = [&](auto& up) -> Awaitable<void> {
    co_await (pump(client, client_pending, up, true, state, to_upstream) && pump(up, upstream.buffer, client, false, state, to_client));
  };
  if (auto* plain = upstream.plain()) co_await both(*plain);
  else co_await both(upstream.tls());
  co_return state.result;
}

template Awaitable<TunnelResult> run_tunnel<PlainStream>(PlainStream&, beast::flat_buffer&, UpstreamConnection&, std::chrono::milliseconds,
                                                         std::uint64_t&, std::uint64_t&);
template Awaitable<TunnelResult> run_tunnel<TlsStream>(TlsStream&, beast::flat_buffer&, UpstreamConnection&, std::chrono::milliseconds,
                                                       std::uint64_t&, std::uint64_t&);

}  // namespace gatehouse
