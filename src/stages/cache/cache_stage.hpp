#pragma once
#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// An RFC 9111 shared cache of GET responses, on routes that turn it on
// (GATEHOUSE_ROUTE_<NAME>_CACHE): fresh hits answered here, stale entries
// revalidated with their validators, unsafe methods invalidating.
std::unique_ptr<StageFactory> cache_stage_factory();

}  // namespace gatehouse
