#include "gatehouse/health.hpp"

namespace gatehouse {

std::optional<HealthAnswer> health_answer(std::string_view path, bool draining) {
  if (path != "/healthz" && path != "/readyz") return std::nullopt;
  if (path == "/readyz" && draining) return HealthAnswer{503, "{\"status\":\"draining\"}\n"};
  return HealthAnswer{200, "{\"status\":\"ok\"}\n"};
}

}  // namespace gatehouse
