#pragma once
#include "gatehouse/settings.hpp"

namespace gatehouse {

// Wires workers, listeners, TLS and the log writer; runs until SIGTERM or
// SIGINT, then drains. Returns the process exit code.
int run_gateway(const Settings& settings);

// Loads the TLS certificate, key and CA files the settings name, as start-up
// would (for --check-config). Throws ConfigError naming the variable.
void check_tls_files(const Settings& settings);

}  // namespace gatehouse
