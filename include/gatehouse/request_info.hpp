#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

// Why a request did not end in a plain proxied or local answer. The two-letter
// codes follow Envoy's response flags; they appear in the access line and in
// metrics labels, so they never change meaning.
enum class ErrorCode : std::uint8_t {
  none,
  no_route,              // NR: no route matches host and path (404)
  method_not_allowed,    // MN: route exists, method not in its METHODS (405)
  bad_request,           // BR: malformed or ambiguous request (400/501/505)
  too_large,             // TL: head or body over the limit (431/413)
  request_timeout,       // RT: client too slow sending the request (408)
  client_closed,         // CC: client went away before the response was complete (499)
  upstream_connect,      // UF: no endpoint accepted a connection (502)
  upstream_timeout,      // UT: upstream connect or response timeout (504)
  upstream_reset,        // UR: upstream closed or reset mid-exchange (502)
  upstream_protocol,     // UP: upstream sent something that is not HTTP/1.1 (502)
  internal,              // EX: an exception escaped a stage (500)
  upstream_5xx,          // U5: the upstream itself answered 5xx (passed on as it is)
  loop_detected,         // LD: the request already passed through this gateway (508)
  idempotency,           // IK: an Idempotency-Key refused: malformed, missing, in use, reused or outcome unknown (400/409/422)
  store_unavailable,     // SU: the idempotency store did not answer (503, fail closed)
  rest_rule,             // RR: a REST rule enforced on the request (400)
  tunnel_idle,           // TI: an upgraded connection (WebSocket) closed after its idle timeout (101 logged)
};

std::string_view error_code_text(ErrorCode c);         // "UF"
std::string_view error_code_description(ErrorCode c);  // "upstream connect failure"
// The access line's `at=` level: info, warn (client side) or error (our/upstream side).
std::string_view error_code_level(ErrorCode c);

// Everything the access line reports about one request. Filled in by the
// stages as the request moves; written once by the `complete` step.
struct RequestInfo {
  static constexpr std::int64_t kUnset = -1;

  std::string request_id;
  std::string method = "-";
  std::string target = "-";    // path and query as received (redacted when logged)
  std::string host = "-";
  std::string route = "-";
  std::int16_t route_id = -1;  // index of the route in Settings::routes; -1 none, -2 /healthz, -3 /readyz
  std::string client = "-";    // the client address as trusted (fwd=)
  std::string upstream = "-";  // endpoint authority that answered
  std::int64_t connect_us = kUnset;   // upstream connect time, when a new connection was made
  std::int64_t service_us = kUnset;   // from sending upstream to the last response byte
  std::int64_t duration_us = 0;       // from the first request byte to the last response byte
  int status = 0;                     // as sent to the client (499: none could be sent)
  std::uint64_t bytes_out = 0;        // response body bytes sent to the client
  std::uint64_t bytes_in = 0;         // request body bytes received from the client
  std::string_view cache = "-";
  std::string_view idem = "-";
  std::string_view rest = "-";
  ErrorCode code = ErrorCode::none;
  std::string detail;                 // short free text for failures (never secrets)
};

}  // namespace gatehouse
