#pragma once
#include <memory>

#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// Idempotency keys for PUT and PATCH (README "Idempotency keys").
std::unique_ptr<StageFactory> idempotency_stage_factory();

}  // namespace gatehouse
