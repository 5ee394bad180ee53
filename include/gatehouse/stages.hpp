#pragma once
#include <memory>

#include "gatehouse/stage.hpp"

namespace gatehouse {

// Request id (accepted or generated) and client address (X-Forwarded-*);
// puts X-Request-Id on every response.
std::unique_ptr<Stage> make_observe_stage();
// Target normalization, local endpoints (/healthz, /readyz), route match,
// 404/405, body size limit.
std::unique_ptr<Stage> make_route_stage();
// Terminal: forwards to an upstream endpoint over a pooled connection and
// hands the response body back as a stream.
std::unique_ptr<Stage> make_upstream_stage();

}  // namespace gatehouse
