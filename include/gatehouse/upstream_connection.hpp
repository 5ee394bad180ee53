#pragma once
#include <chrono>
#include <variant>

#include "gatehouse/net.hpp"

namespace gatehouse {

// One connection to an upstream endpoint, plain or TLS. Kept in a pool
// between requests; it belongs to one worker for its whole life.
class UpstreamConnection {
 public:
  // `open_gauge` counts open upstream connections (the worker's metric).
  UpstreamConnection(asio::io_context& io, std::int64_t& open_gauge);
  UpstreamConnection(asio::io_context& io, ssl::context& tls, std::int64_t& open_gauge);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  beast::tcp_stream& tcp();
  bool is_tls() const { return std::holds_alternative<TlsStream>(stream_); }
  // True when the peer has closed, reset, or sent bytes nobody asked for:
  // such an idle connection must not carry the next request.
  bool idle_connection_is_broken();

  template <class F>
  decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), stream_); }

  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since{};

 private:
  std::variant<PlainStream, TlsStream> stream_;
  std::int64_t& open_gauge_;
};

}  // namespace gatehouse
