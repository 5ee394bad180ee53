#pragma once
// The bytes of an upgraded connection (a WebSocket, RFC 6455; RFC 9110 §7.8)
// copied both ways between the client and the upstream, as they come, until
// both sides have closed, either fails, or no byte moved either way for the
// idle timeout. The gateway reads no frame: after the 101 it is a pipe.
#include <chrono>
#include <cstdint>
#include <string>

#include "gatehouse/net.hpp"
#include "gatehouse/timed_stream.hpp"
#include "gatehouse/upstream_connection.hpp"

namespace gatehouse {

struct TunnelResult {
  enum class End {
    closed,        // each side closed its direction (the WebSocket closing handshake, then TCP)
    idle_timeout,  // nothing moved either way for the idle timeout
    client_failed, // the client reset or its write failed
    upstream_failed,
  };
  End end = End::closed;
  std::string detail;  // for a failure or a timeout
};

// `client_pending`: bytes the client sent after its request head (frames
// sent before the 101 arrived); the upstream connection's buffer holds those
// the upstream sent after its 101. Both go first. The byte counts grow as
// the bytes go, so that a tunnel cut off by a shutdown still logs them.
template <class ClientStream>
Awaitable<TunnelResult> run_tunnel(ClientStream& client, beast::flat_buffer& client_pending, UpstreamConnection& upstream,
                                   std::chrono::milliseconds idle, std::uint64_t& to_upstream, std::uint64_t& to_client);

extern template Awaitable<TunnelResult> run_tunnel<PlainStream>(PlainStream&, beast::flat_buffer&, UpstreamConnection&,
                                                                std::chrono::milliseconds, std::uint64_t&, std::uint64_t&);
extern template Awaitable<TunnelResult> run_tunnel<TlsStream>(TlsStream&, beast::flat_buffer&, UpstreamConnection&,
                                                              std::chrono::milliseconds, std::uint64_t&, std::uint64_t&);

}  // namespace gatehouse
