#pragma once
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "gatehouse/message_head.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

// Calls f(value) for every line of the field `name`, in arrival order,
// wherever the lines stand among the others (an X-Forwarded-For that a proxy
// in front appended below other fields is seen too: tested in hardening_test).
template <class F>
void for_each_value(const Fields& fields, http::field name, F&& f) {
  fields.for_each_value(http::to_string(name), std::forward<F>(f));
}
template <class F>
void for_each_value(const Fields& fields, std::string_view name, F&& f) {
  fields.for_each_value(name, std::forward<F>(f));
}

// The request asks to switch to WebSocket (RFC 6455 §4.1, RFC 9110 §7.8):
// an HTTP/1.1 GET without a body, "websocket" among Upgrade's protocols and
// "upgrade" among Connection's options. Read before strip_hop_by_hop takes
// both fields away. (Other protocols, h2c say, are never passed on.)
bool asks_websocket_upgrade(const RequestHead& req, bool has_body);

// Removes hop-by-hop fields (RFC 9110 §7.6.1): Connection and every field it
// names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
// Upgrade, Proxy-Authenticate, Proxy-Authorization. Host is never removed
// this way: it is not a connection option, whatever Connection says.
// Runs on a message as it arrives, before the gateway adds fields of its own,
// so that Connection can never remove those (the pattern of CVE-2022-31813).
void strip_hop_by_hop(Fields& fields);

// Names of the fields whose names contain '_', each once. Rack, CGI, PHP and
// WSGI fold '_' into '-', so `Transfer_Encoding` would reach them as the real
// header: by default such fields are dropped (GATEHOUSE_HEADERS_WITH_UNDERSCORES).
std::vector<std::string> underscore_field_names(const Fields& fields);

// Sets Date (RFC 9110 §6.6.1) on a response that has none.
void ensure_date(Fields& fields);

// The message says its body is chunked (its Transfer-Encoding ends in chunked).
bool is_chunked(const Fields& fields);

// Body framing of a message as the gateway forwards it.
struct Framing {
  bool has_body = false;
  bool chunked = false;                  // body length unknown in advance
  std::optional<std::uint64_t> length;   // Content-Length
};

// Sets the framing fields of an outgoing request to the upstream (always HTTP/1.1).
void apply_request_framing(RequestHead& req, const Framing& f);

// Makes a response ready for a client of `client_version` (10 or 11): framing
// (chunked for HTTP/1.1 when the length is unknown, close-delimited for 1.0)
// and Connection. Returns what it decided, for the writer of the body.
struct ClientFraming {
  bool keep_alive = false;  // the connection can stay open
  bool chunked = false;     // the body goes chunked
};
ClientFraming prepare_client_response(ResponseHead& res, unsigned client_version, bool head_request,
                                      bool keep_alive, std::optional<std::uint64_t> known_length, bool has_body);

}  // namespace gatehouse
