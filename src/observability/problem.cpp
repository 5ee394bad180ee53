#include "gatehouse/problem.hpp"

#include <fmt/format.h>

#include "gatehouse/access_line.hpp"

namespace gatehouse {

Problem problem_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::no_route: return {404, "/problems/no-route", "No route matches", {}};
    case ErrorCode::method_not_allowed: return {405, "/problems/method-not-allowed", "Method not allowed on this route", {}};
    case ErrorCode::bad_request: return {400, "/problems/bad-request", "Malformed request", {}};
    case ErrorCode::too_large: return {413, "/problems/body-too-large", "Request body too large", {}};
    case ErrorCode::request_timeout: return {408, "/problems/request-timeout", "Request not received in time", {}};
    case ErrorCode::upstream_connect: return {502, "/problems/upstream-unavailable", "Upstream unavailable", {}};
    case ErrorCode::upstream_timeout: return {504, "/problems/upstream-timeout", "Upstream timed out", {}};
    case ErrorCode::upstream_reset: return {502, "/problems/upstream-reset", "Upstream closed the connection", {}};
    case ErrorCode::upstream_protocol: return {502, "/problems/bad-upstream-response", "Upstream sent an invalid response", {}};
    case ErrorCode::loop_detected: return {508, "/problems/loop-detected", "Request loop detected", {}};
    // The idempotency stage answers with problem types of its own, by case.
    case ErrorCode::idempotency: return {409, "/problems/idempotency-key-in-use", "Request with this Idempotency-Key in progress", {}};
    case ErrorCode::store_unavailable: return {503, "/problems/idempotency-store-unavailable", "Idempotency store unavailable", {}};
    case ErrorCode::client_closed:
    case ErrorCode::rest_rule:  // the rule names its own type (the REST stage)
    case ErrorCode::tunnel_idle:  // after a 101: no answer to give
    case ErrorCode::upstream_5xx:
    case ErrorCode::internal:
    case ErrorCode::none: break;
  }
  return {500, "/problems/internal-error", "Internal gateway error", {}};
}

Problem problem_for(ErrorCode code, int status) {
  switch (status) {
    case 414: return {414, "/problems/uri-too-long", "Request target too long", {}};
    case 431: return {431, "/problems/headers-too-large", "Request header fields too large", {}};
    case 501: return {501, "/problems/unsupported-transfer-coding", "Transfer coding not supported", {}};
    case 505: return {505, "/problems/http-version-not-supported", "HTTP version not supported", {}};
    default: {
      Problem p = problem_for(code);
      p.status = status;
      return p;
    }
  }
}

std::string problem_body(const Problem& p, std::string_view instance, std::string_view request_id) {
  std::string out = "{\"type\":";
  append_json_string(out, p.type);
  out += ",\"title\":";
  append_json_string(out, p.title);
  fmt::format_to(std::back_inserter(out), ",\"status\":{}", p.status);
  if (!p.detail.empty()) {
    out += ",\"detail\":";
    append_json_string(out, p.detail);
  }
  out += ",\"instance\":";
  append_json_string(out, instance);
  out += ",\"request_id\":";
  append_json_string(out, request_id);
  out += "}\n";
  return out;
}

}  // namespace gatehouse
