#pragma once
// The HTTP/1.1 wire form of message heads and body pieces, written by the
// gateway itself. A head is laid out in one flat buffer and leaves in the
// same gathered write as its first body piece. (Beast's serializer walks a
// buffers_cat_view one byte range at a time: it cost about a sixth of the
// worker's CPU on the hot path.)
#include <array>
#include <string>
#include <string_view>

#include "gatehouse/message_head.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

// Appends the start line, the fields and the empty line that ends the head.
// The fields go in their order; the reason phrase is the head's own.
void append_head(std::string& out, const RequestHead& h);
void append_head(std::string& out, const ResponseHead& h);

// Frames the pieces of one body: chunked (RFC 9112 §7.1, no extensions, no
// trailers) or as they are (Content-Length, or close-delimited).
class BodyFraming {
 public:
  explicit BodyFraming(bool chunked) : chunked_(chunked) {}

  // The buffers that send `piece` and, when `last`, the end of the body.
  // They point into `piece` and into this object: valid until the next call.
  std::array<asio::const_buffer, 3> frame(std::string_view piece, bool last);

 private:
  bool chunked_;
  char size_line_[20];  // hex size and CRLF
};

}  // namespace gatehouse
