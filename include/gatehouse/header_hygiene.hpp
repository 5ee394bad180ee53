#pragma once
#include <optional>
#include <string_view>

#include "gatehouse/net.hpp"

namespace gatehouse {

// Removes hop-by-hop fields (RFC 9110 §7.6.1): Connection and every field it
// names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
// Upgrade, Proxy-Authenticate, Proxy-Authorization.
void strip_hop_by_hop(http::fields& fields);

// Body framing of a message as the gateway forwards it.
struct Framing {
  bool has_body = false;
  bool chunked = false;                  // body length unknown in advance
  std::optional<std::uint64_t> length;   // Content-Length
};

// Sets the framing fields of an outgoing request to the upstream (always HTTP/1.1).
void apply_request_framing(http::request<http::buffer_body>& req, const Framing& f);

// Makes a response ready for a client of `client_version` (10 or 11): framing
// (chunked for HTTP/1.1 when the length is unknown, close-delimited for 1.0)
// and Connection. Returns whether the connection can stay open.
bool prepare_client_response(http::response<http::buffer_body>& res, unsigned client_version, bool head_request,
                             bool keep_alive, std::optional<std::uint64_t> known_length, bool has_body);

// Statuses that never carry a body (1xx, 204, 304).
bool status_has_no_body(unsigned status);

}  // namespace gatehouse
