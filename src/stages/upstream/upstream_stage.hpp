#pragma once
#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// Terminal: forwards to the route's upstream through the worker's
// UpstreamClient and hands the response body back as a stream.
std::unique_ptr<StageFactory> upstream_stage_factory();

}  // namespace gatehouse
