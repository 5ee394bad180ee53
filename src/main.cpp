// gatehouse: environment -> Settings (fatal on error) -> run until SIGTERM.
#include <cstdio>
#include <cstring>
#include <thread>

#include "gatehouse/app.hpp"
#include "gatehouse/config_error.hpp"
#include "gatehouse/dotenv.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/settings.hpp"

namespace {
constexpr int kConfigErrorExit = 78;  // EX_CONFIG (sysexits.h)
}

int main(int argc, char** argv) {
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(gatehouse::help_text().c_str(), stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("gatehouse %s\n", GATEHOUSE_VERSION);
      return 0;
    }
    if (arg == "--check-config") {
      check_only = true;
      continue;
    }
    std::fprintf(stderr, "gatehouse: unknown argument '%s' (see gatehouse --help)\n", argv[i]);
    return 2;
  }

  try {
    auto env = gatehouse::effective_environment(".env");
    auto settings = gatehouse::load_settings(env, std::thread::hardware_concurrency());
    if (check_only) {
      std::fputs(gatehouse::describe_settings(settings).c_str(), stdout);
      return 0;
    }
    gatehouse::configure_ops_log(settings.log_level);
    return gatehouse::run_gateway(settings);
  } catch (const gatehouse::ConfigError& e) {
    std::fprintf(stderr, "gatehouse: configuration error: %s\n", e.what());
    return kConfigErrorExit;
  }
}
