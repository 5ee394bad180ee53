#pragma once
#include "gatehouse/settings.hpp"
#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

// Wires workers, listeners, TLS and the log writer; runs until SIGTERM or
// SIGINT, then drains. Returns the process exit code.
// `stages` are configured already; every worker builds its pipeline from them.
int run_gateway(const Settings& settings, const StageFactories& stages);

// Loads the TLS certificate, key and CA files the settings name, as start-up
// would (for --check-config). Throws ConfigError naming the variable.
void check_tls_files(const Settings& settings);

}  // namespace gatehouse
