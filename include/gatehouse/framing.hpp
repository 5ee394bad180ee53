#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/http_grammar.hpp"

namespace gatehouse {

// The gateway's own reading of a request head (RFC 9112 §2-§7), on the raw
// bytes; the fields are then split from the checked bytes into the request's
// RequestHead. (Beast 1.81's parser accepts several ambiguous framings,
// Transfer-Encoding: gzip, "chunked, gzip", chunked on HTTP/1.0, duplicate
// Content-Length, missing Host, obs-fold, that would let requests be smuggled.)
struct HeadScan {
  // No registered method is longer than 17 bytes; a longer one is garbage, refused at once.
  static constexpr std::size_t kMaxMethod = 32;
  enum class State { incomplete, complete, rejected };
  State state = State::incomplete;

  // complete: bytes of leading blank lines to skip, then the head's size
  // (request line + fields + the empty line).
  std::size_t skip = 0;
  std::size_t head_size = 0;
  std::size_t fields_at = 0;  // where the field lines start, from the request line's start

  // rejected: the status to answer (400, 501 or 505) and a one-line reason.
  int status = 0;
  std::string reason;

  // complete: what framing the body has.
  int version_minor = 1;
  bool chunked = false;
  std::optional<std::uint64_t> content_length;
  // Views into the scanned bytes: valid while they are.
  std::string_view method;
  std::string_view target;
  std::optional<std::string_view> host;  // the Host field value, when present
  bool underscore_in_names = false;  // some field name holds '_' (see GATEHOUSE_HEADERS_WITH_UNDERSCORES)
  // What Connection and Expect say, seen on the way (no second walk for them).
  ConnectionOptions connection;
  bool has_expect = false;             // an Expect field, whatever its value
  bool expect_continue = false;        // Expect: 100-continue
  // Whether the connection may stay open after this request (RFC 9112 §9.3).
  bool keeps_alive() const { return connection.keeps_alive(10 + static_cast<unsigned>(version_minor)); }
  // incomplete: the request line itself is not complete yet (an overlong target: 414).
  bool request_line_complete() const { return !method.empty(); }
};

// Scans what has been received so far. `incomplete` means "read more"; the
// caller enforces the size limit (431) and the header timeout (408).
HeadScan scan_request_head(std::string_view bytes);

}  // namespace gatehouse
