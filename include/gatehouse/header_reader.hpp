#pragma once
#include <chrono>

#include "gatehouse/framing.hpp"
#include "gatehouse/net.hpp"
#include "gatehouse/timed_stream.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

struct HeadRead {
  enum class Kind {
    no_request,      // closed, idle timeout or drain before any byte: not a request, not logged
    complete,        // scan holds a valid head
    rejected,        // scan says why (400/501/505)
    too_large,       // head over GATEHOUSE_MAX_HEADER_SIZE (431)
    line_too_long,   // the request line alone is over it: an overlong target (414)
    timed_out,       // head not complete within GATEHOUSE_HEADER_TIMEOUT (408)
    client_closed,   // client went away mid-head
  };
  Kind kind = Kind::no_request;
  HeadScan scan;
  std::chrono::steady_clock::time_point first_byte{};
};

struct HeadLimits {
  Millis wait_for_first_byte;
  Millis header_timeout;
  std::size_t max_header_size;
};

// Reads until `buffer` holds a whole request head (or a reason to stop).
// Bytes past the head (body, pipelined requests) stay in `buffer`.
template <class Stream>
Awaitable<HeadRead> read_request_head(Stream& stream, beast::flat_buffer& buffer, HeadLimits limits);

}  // namespace gatehouse
