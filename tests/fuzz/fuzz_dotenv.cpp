// The .env parser: any text gives variables or a ConfigError naming a line,
// never a crash or another exception. Nothing is ever executed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gatehouse/config_error.hpp"
#include "gatehouse/dotenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const gatehouse::EnvMap outer{{"HOME", "/root"}, {"PORT", "8080"}};
  try {
    auto vars = gatehouse::parse_dotenv(text, outer, ".env");
    for (const auto& [name, value] : vars)
      if (name.empty()) std::abort();
  } catch (const gatehouse::ConfigError& e) {
    if (std::string_view(e.what()).substr(0, 5) != ".env:") std::abort();
  }
  return 0;
}
