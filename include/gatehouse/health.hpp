#pragma once
#include <optional>
#include <string_view>

namespace gatehouse {

// The answers of /healthz (the process serves requests) and /readyz (it
// wants new ones: 503 while draining), on the public and the admin port alike.
struct HealthAnswer {
  unsigned status;
  std::string_view json_body;
};

// nullopt for any other path.
std::optional<HealthAnswer> health_answer(std::string_view path, bool draining);

}  // namespace gatehouse
