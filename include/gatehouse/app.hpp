#pragma once
#include "gatehouse/settings.hpp"

namespace gatehouse {

// Wires workers, listeners, TLS and the log writer; runs until SIGTERM or
// SIGINT, then drains. Returns the process exit code.
int run_gateway(const Settings& settings);

}  // namespace gatehouse
