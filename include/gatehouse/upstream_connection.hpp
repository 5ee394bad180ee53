#pragma once
#include <chrono>
#include <memory>
#include <variant>

#include "gatehouse/net.hpp"
#include "gatehouse/timed_stream.hpp"

namespace gatehouse {

// One connection to an upstream endpoint, plain or TLS. Kept in a pool
// between requests; it belongs to one worker for its whole life.
class UpstreamConnection {
 public:
  // `open_gauge` counts open upstream connections (the worker's metric).
  UpstreamConnection(asio::io_context& io, Deadlines& deadlines, std::int64_t& open_gauge);
  UpstreamConnection(asio::io_context& io, Deadlines& deadlines, ssl::context& tls, std::int64_t& open_gauge);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  TimedStream& tcp();
  bool is_tls() const { return std::holds_alternative<TlsStream>(stream_); }
  // A connection that stays in a pool past one sweep of the pool gets a read
  // kept pending on it (as nginx and Envoy keep a read event on idle
  // upstream connections): it completes only if the upstream closes the
  // connection, resets it, or sends bytes nobody asked for. The socket is
  // already in the event loop, so it costs no epoll_ctl; Asio tries the peek
  // once when it starts (one recvfrom that finds nothing), and nothing is
  // read (MSG_PEEK). Under load a connection is taken again long before
  // that, and costs no system call at all. TLS connections are checked with
  // a peek instead (a session ticket is not a reason to drop one).
  void watch_while_idle();
  bool watching() const { return watching_; }
  // Ends the idle spell; true when the connection broke while it was idle
  // (then it must not carry the next request).
  //  - Taken again within kTrustedIdle: used as it is, unlooked at (an
  //    upstream that closes a connection it just answered on says so with
  //    Connection: close, which the gateway honours).
  //  - Idle longer and not watched yet: peeked (one system call).
  //  - Watched: the watch says. Its report may still be queued behind the
  //    handler running now (one turn of the event loop), so a connection
  //    idle for a second or more, long enough for an upstream to have timed
  //    it out, is also peeked.
  bool end_idle_spell(std::chrono::steady_clock::duration idle_for);
  static constexpr std::chrono::milliseconds kTrustedIdle{5};
  // True when it broke while idle, the watch still running (the pool's sweep).
  bool broke_while_idle();

  template <class F>
  decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), stream_); }
  // The stream when plain, else null (its operations take a different token: nothrow_on).
  PlainStream* plain() { return std::get_if<PlainStream>(&stream_); }
  TlsStream& tls() { return std::get<TlsStream>(stream_); }

  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since{};

 private:
  // What the pending idle read reports, shared with its handler, which may
  // run after the connection is gone. `generation` tells one idle spell's
  // report from an earlier one's.
  struct IdleWatch {
    bool broken = false;
    unsigned generation = 0;
    char byte = 0;
  };
  bool peek_says_broken();

  std::variant<PlainStream, TlsStream> stream_;
  std::int64_t& open_gauge_;
  std::shared_ptr<IdleWatch> watch_;
  bool watching_ = false;
};

}  // namespace gatehouse
