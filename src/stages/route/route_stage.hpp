#pragma once
#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// Target normalization, local endpoints (/healthz, /readyz, OPTIONS *), route
// match, 404/405, body size limit.
std::unique_ptr<StageFactory> route_stage_factory();

}  // namespace gatehouse
