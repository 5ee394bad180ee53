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
  switch (level) {
    case LogLevel::debug: ops_log().set_level(spdlog::level::debug); break;
    case LogLevel::info: ops_log().set_level(spdlog::level::info); break;
    case LogLevel::warn: ops_log().set_level(spdlog::level::warn); break;
    case LogLevel::error: ops_log().set_level(spdlog::level::err); break;
  }
  ops_log().flush_on(spdlog::level::debug);
}

}  // namespace gatehouse
