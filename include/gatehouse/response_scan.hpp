#pragma once
// The gateway's own reading of an upstream's response head (RFC 9112 §4-§6).
#include <cstdint>
#include <string>
#include <string_view>

#include "gatehouse/message_head.hpp"

namespace gatehouse {

struct ResponseScan {
  enum class State { incomplete, complete, rejected };
  // How the body that follows the head is delimited (RFC 9112 §6.3).
  enum class Body { none, length, chunked, until_close };

  State state = State::incomplete;
  std::string reason;         // rejected: why, for the access line
  std::size_t head_size = 0;  // complete: status line, fields and the empty line
  Body body = Body::none;
  std::uint64_t length = 0;          // Body::length: Content-Length
  bool connection_reusable = false;  // keep-alive on both sides of the body, as the head says
};

// Scans what has arrived of a response head. When it is complete, `head`
// holds its status, version, reason and fields (cleared first). An informational
// (1xx) response is complete like any other: the caller skips it and scans on.
// `request_was_head`: the response to a HEAD request has no body, whatever it says.
ResponseScan scan_response_head(std::string_view bytes, bool request_was_head, ResponseHead& head);

}  // namespace gatehouse
