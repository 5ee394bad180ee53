#pragma once
#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// Request id (accepted or generated) and client address (X-Forwarded-*), Via
// and loop detection; puts X-Request-Id on every response.
std::unique_ptr<StageFactory> observe_stage_factory();

}  // namespace gatehouse
