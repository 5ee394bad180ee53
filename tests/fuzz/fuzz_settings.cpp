// The settings and route parser: lines of NAME=VALUE become an environment;
// load_settings gives Settings or one ConfigError, never a crash or another
// exception. Valid settings describe themselves and route any request.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gatehouse/config_error.hpp"
#include "gatehouse/route_table.hpp"
#include "gatehouse/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gatehouse::EnvMap env;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  try {
    gatehouse::Settings s = gatehouse::load_settings(env, 2);
    if (s.routes.empty()) std::abort();
    (void)gatehouse::describe_settings(s);
    gatehouse::RouteTable table(s.routes);
    (void)table.match("api.example.com", "/api/bookings/7");
  } catch (const gatehouse::ConfigError& e) {
    if (std::string_view(e.what()).empty()) std::abort();
  }
  return 0;
}
