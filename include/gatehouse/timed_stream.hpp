#pragma once
// A TCP stream whose operations time out by one deadline per connection,
// checked by the worker's periodic sweep (Deadlines) rather than by a timer
// armed and cancelled around every read and write, as beast::tcp_stream
// does. Setting the deadline files the stream in a slot of a timing wheel
// (two pointer moves); an operation costs no timer, no extra completion and
// no allocation of its own, and the stream carries no timer state while its
// connection sits idle.
//
// The semantics are beast::tcp_stream's, with the sweep's resolution
// (Deadlines::kTick): expires_after() applies to the operations started
// after it; a deadline that passes while an operation is pending closes the
// socket, and that operation (and every other pending one) completes with
// beast::error::timeout. A deadline that passes while nothing is pending
// closes nothing, and times out the next operation that starts under it.
#include <boost/intrusive/list.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <type_traits>
#include <cstdint>
#include <utility>
#include <vector>

#include "gatehouse/clock.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

class TimedStream;

// One worker's deadlines: a hashed timing wheel, as nginx and HAProxy keep
// their timers in a structure where a tick visits only what is due. A
// stream with a deadline sits in the slot of the tick its deadline falls
// in; one further out than a turn of the wheel is visited once a turn and
// left in place until its turn comes.
class Deadlines {
 public:
  // How often the worker sweeps. A tick's slot is visited once the tick is
  // over, so a timeout fires up to two ticks (50 ms) late.
  static constexpr std::chrono::milliseconds kTick{25};
  // Slots in the wheel: one turn is kSlots * kTick (25.6 s).
  static constexpr std::size_t kSlots = 1024;

  Deadlines();
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;
  ~Deadlines();

  // Visits the slots of the ticks up to `now`, and times out every stream
  // found there whose deadline passed while an operation was pending.
  void sweep(std::chrono::steady_clock::time_point now);
  // Streams with a deadline set.
  std::size_t size() const { return filed_; }

 private:
  friend class TimedStream;
  using Hook = boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
  struct Link {
    Hook hook;
    TimedStream* stream;
  };
  using List = boost::intrusive::list<Link, boost::intrusive::member_hook<Link, Hook, &Link::hook>, boost::intrusive::constant_time_size<false>>;

  static std::int64_t tick_of(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() / kTick.count();
  }
  void file(Link& link, std::chrono::steady_clock::time_point deadline);
  void unfile(Link& link);

  std::vector<List> slots_;
  std::int64_t swept_tick_;  // the last tick whose slot was visited
  std::size_t filed_ = 0;
};

namespace detail {
// Wraps a completion handler: counts the operation as ended and reports a
// close by the sweep as a timeout. Every association of the handler
// (executor, allocator, cancellation slot) is its own (see the associator
// below), so it completes where and how it would have unwrapped.
template <class Handler>
struct TimedCompletion;
}  // namespace detail

class TimedStream {
 public:
  using socket_type = Socket;
  using executor_type = socket_type::executor_type;
  using lowest_layer_type = socket_type::lowest_layer_type;  // asio::ssl::stream asks for it

  // The single argument form lets asio::ssl::stream build one in place.
  struct Parts {
    socket_type socket;
    Deadlines& deadlines;
  };
  explicit TimedStream(Parts parts);
  TimedStream(asio::io_context& io, Deadlines& deadlines) : TimedStream(Parts{socket_type(io), deadlines}) {}
  ~TimedStream();
  TimedStream(const TimedStream&) = delete;
  TimedStream& operator=(const TimedStream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  socket_type& socket() { return socket_; }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }

  void expires_after(std::chrono::steady_clock::duration d) {
    deadline_ = coarse_deadline(d);
    deadlines_.file(link_, deadline_);
  }
  void expires_never() {
    deadline_ = std::chrono::steady_clock::time_point::max();
    deadlines_.unfile(link_);
  }
  // Cancels the pending operations (they complete with operation_aborted).
  void cancel() {
    error_code ignored;
    socket_.cancel(ignored);
  }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  // Sends what the socket takes at once, without waiting (one non-blocking
  // sendmsg). A response head and a small body usually leave whole: then no
  // operation is queued, no completion posted and no coroutine suspended,
  // which is most of the cost of a write. Returns the bytes sent; `ec` is
  // set for a failure other than a full send buffer.
  std::size_t write_now(const asio::const_buffer* pieces, std::size_t count, error_code& ec);

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          started();
          socket_.async_read_some(b, detail::TimedCompletion<decltype(handler)>{this, std::move(handler)});
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          started();
          socket_.async_write_some(b, detail::TimedCompletion<decltype(handler)>{this, std::move(handler)});
        },
        token, buffers);
  }

  // Connects to the first of `endpoints` that accepts.
  template <class Endpoints, class Token>
  auto async_connect(const Endpoints& endpoints, Token&& token) {
    return asio::async_initiate<Token, void(error_code, tcp::endpoint)>(
        [this](auto handler, const Endpoints& e) {
          started();
          asio::async_connect(socket_, e, detail::TimedCompletion<decltype(handler)>{this, std::move(handler)});
        },
        token, endpoints);
  }

 private:
  template <class Handler>
  friend struct detail::TimedCompletion;
  friend class Deadlines;

  void started() {
    ++pending_;
    // A deadline that passed while nothing was pending left the wheel; it
    // still binds this operation, which then times out at the next tick
    // (Beast's stream times it out at once).
    if (deadline_ != std::chrono::steady_clock::time_point::max() && !link_.hook.is_linked()) deadlines_.file(link_, deadline_);
  }
  // The error an operation reports: after a close by the sweep, a timeout,
  // even for an operation whose success was already queued (as Beast does).
  error_code ended(error_code ec) {
    --pending_;
    if (timed_out_) return beast::error::timeout;
    return ec;
  }
  void time_out() {
    timed_out_ = true;
    close();
  }

  socket_type socket_;
  Deadlines& deadlines_;
  Deadlines::Link link_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  unsigned pending_ = 0;
  bool timed_out_ = false;
};

namespace detail {
// The stream outlives its pending operations: every operation is awaited by
// the coroutine that owns the stream, and none is left behind detached.
// (When the event loop is destroyed, the pending handlers are destroyed
// without being called.)
template <class Handler>
struct TimedCompletion {
  TimedStream* stream;
  Handler handler;

  template <class... Args>
  void operator()(error_code ec, Args&&... args) {
    ec = stream->ended(ec);
    std::move(handler)(ec, std::forward<Args>(args)...);
  }
};
}  // namespace detail

// The streams of client and upstream connections.
using PlainStream = TimedStream;
using TlsStream = beast::ssl_stream<TimedStream>;

// Sends what `stream` takes at once of `pieces`, and leaves in `pieces`
// what is still to send (see TimedStream::write_now). A TLS stream sends
// nothing this way: its records are written by its own operations.
template <class Stream, std::size_t N>
std::size_t write_now(Stream& stream, std::array<asio::const_buffer, N>& pieces, error_code& ec) {
  if constexpr (!std::is_same_v<Stream, TimedStream>) {
    return 0;
  } else {
    std::size_t sent = stream.write_now(pieces.data(), N, ec);
    for (std::size_t n = sent; auto& p : pieces) {
      std::size_t used = std::min(n, p.size());
      p += used;
      n -= used;
    }
    return sent;
  }
}
// Bytes left in a gather of pieces.
template <std::size_t N>
std::size_t bytes_in(const std::array<asio::const_buffer, N>& pieces) {
  std::size_t n = 0;
  for (const auto& p : pieces) n += p.size();
  return n;
}

// The token for operations called on a stream of type S (see use_nothrow_coro).
template <class S>
inline constexpr auto nothrow_on = use_nothrow;
template <>
inline constexpr auto nothrow_on<TlsStream> = use_nothrow_coro;

}  // namespace gatehouse

namespace boost::asio {
template <template <typename, typename> class Associator, typename Handler, typename DefaultCandidate>
struct associator<Associator, gatehouse::detail::TimedCompletion<Handler>, DefaultCandidate> : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(const gatehouse::detail::TimedCompletion<Handler>& h) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler);
  }
  static auto get(const gatehouse::detail::TimedCompletion<Handler>& h, const DefaultCandidate& c) noexcept
      -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
    return Associator<Handler, DefaultCandidate>::get(h.handler, c);
  }
};
}  // namespace boost::asio
