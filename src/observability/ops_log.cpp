#include "gatehouse/ops_log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace gatehouse {

spdlog::logger& ops_log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("gatehouse");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    return l;
  }();
  return *logger;
}

void configure_ops_log(LogLevel level) {
  // GATEHOUSE_LOG_LEVEL filters access lines and turns DEBUG detail on; the
  // few start/stop messages on stderr always appear, whatever the level.
  ops_log().set_level(level == LogLevel::debug ? spdlog::level::debug : spdlog::level::info);
  ops_log().flush_on(spdlog::level::debug);
}

}  // namespace gatehouse
