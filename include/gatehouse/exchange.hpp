#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "gatehouse/body_source.hpp"
#include "gatehouse/header_hygiene.hpp"
#include "gatehouse/net.hpp"
#include "gatehouse/problem.hpp"
#include "gatehouse/request_info.hpp"
#include "gatehouse/request_target.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

class Worker;

// One request and its response as they move through the pipeline. It lives
// in the session's coroutine frame: no per-request shared_ptr web.
struct Exchange {
  Exchange(Worker& w, http::request<http::buffer_body>& req, BodySource& req_body, RequestInfo& i)
      : worker(w), request(req), request_body(req_body), info(i) {}

  Worker& worker;
  // The request as parsed. Stages edit its head in place; the upstream stage
  // serializes this very message (the relay pattern: no header copy).
  http::request<http::buffer_body>& request;
  BodySource& request_body;
  RequestInfo& info;

  RequestTarget target;                // normalized path and query
  std::string host;                    // request host without port, lower case
  std::string peer_address;            // the TCP peer
  bool client_tls = false;
  const Route* route = nullptr;
  Framing request_framing;             // how the client framed its body
  std::uint64_t request_body_limit = 0;  // set by the route stage; 0 = unlimited

  // The response: its head, and where its body comes from.
  http::response<http::buffer_body> response;
  BodySource* response_body = nullptr;
  std::unique_ptr<BodySource> upstream_body;  // owned here when proxied
  TextBody local_body;
  std::optional<std::uint64_t> response_length;  // known body length, else chunked/close-delimited
  bool close_connection = false;       // the gateway wants this connection closed after the response
  std::string_view failed_stage;       // the stage an exception escaped from, if any

  // A stage answered: the response has a body source (a local body, an upstream's, or an empty one).
  bool answered() const { return response_body != nullptr; }
  bool is_head() const { return request.method() == http::verb::head; }

  // Answers locally with `body` and the given content type.
  void answer(http::status status, std::string body, std::string_view content_type);
  // Answers with an application/problem+json body and records the error code.
  void answer_problem(ErrorCode code, std::string detail, int status_override = 0);
};

}  // namespace gatehouse
