#pragma once
#include <memory>

#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// REST conventions at the edge: rules reported or enforced (README "REST rules").
std::unique_ptr<StageFactory> rest_stage_factory();

}  // namespace gatehouse
