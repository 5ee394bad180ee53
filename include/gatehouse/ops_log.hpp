#pragma once
#include <spdlog/spdlog.h>

#include "gatehouse/settings.hpp"

namespace gatehouse {

// The operational log (start-up, shutdown, DEBUG detail): stderr, so that
// stdout carries exactly one access line per request and nothing else.
spdlog::logger& ops_log();
void configure_ops_log(LogLevel level);

}  // namespace gatehouse
