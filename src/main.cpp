// gatehouse: environment -> Settings (fatal on error) -> run until SIGTERM.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "gatehouse/app.hpp"
#include "gatehouse/config_error.hpp"
#include "gatehouse/dotenv.hpp"
#include "gatehouse/ops_log.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/settings.hpp"
#include "gatehouse/stage_factory.hpp"

namespace {
constexpr int kConfigErrorExit = 78;  // EX_CONFIG (sysexits.h)
}

// glibc gives memory at the top of each thread's arena back to the kernel
// (madvise) as soon as it is freed, and faults it in again on the next
// request: per-request coroutine frames and body buffers made that churn the
// largest cost under load (page-table updates and TLB flushes). Keep freed
// memory for reuse instead; RSS stays bounded by the peak working set.
void keep_freed_memory_for_reuse() {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TOP_PAD, 1 << 20);
}

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(gatehouse::help_text(gatehouse::settings_catalog(gatehouse::default_stage_factories())).c_str(), stdout);
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
    auto stages = gatehouse::default_stage_factories();
    auto settings = gatehouse::load_settings(env, std::thread::hardware_concurrency(), gatehouse::settings_catalog(stages));
    gatehouse::configure_stages(stages, env, settings);
    if (check_only) {
      gatehouse::check_tls_files(settings);
      std::fputs(gatehouse::describe_settings(settings).c_str(), stdout);
      return 0;
    }
    gatehouse::configure_ops_log(settings.log_level);
    return gatehouse::run_gateway(settings, stages);
  } catch (const gatehouse::ConfigError& e) {
    std::fprintf(stderr, "gatehouse: configuration error: %s\n", e.what());
    return kConfigErrorExit;
  } catch (const std::exception& e) {
    // Anything else that stops start-up (no memory, no threads...) is a message and an exit code, not an abort.
    std::fprintf(stderr, "gatehouse: start-up failed: %s\n", e.what());
    return 1;
  }
}
