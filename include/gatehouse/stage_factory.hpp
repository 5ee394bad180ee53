#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "gatehouse/dotenv.hpp"
#include "gatehouse/metrics.hpp"
#include "gatehouse/piece_pool.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/settings.hpp"
#include "gatehouse/stage.hpp"

namespace gatehouse {

class BackgroundWork;
class ErrorReporter;
class RequestIdGenerator;
class RouteTable;
class UpstreamClient;
struct MetricsShard;

// The shared services of one worker that a stage may use. Stages get them
// here, at creation, rather than reaching into the worker.
struct StageServices {
  asio::io_context& io;
  const Settings& settings;            // the core settings (routes, limits)
  const RouteTable& routes;
  MetricsShard& metrics;               // this worker's counters
  BackgroundWork& background;          // work that outlives a request
  UpstreamClient& upstream;            // requests to the routes' upstreams, also for subrequests
  RequestIdGenerator& request_ids;
  const std::atomic<bool>& draining;   // SIGTERM received: /readyz says 503
  PiecePool& pieces;                   // the worker's body pieces: a read buffer without a malloc
  ErrorReporter* reporter = nullptr;   // null: no tracker configured
};

// A stage's answer to a request on the admin listener (the cache's purge).
struct StageAdminAnswer {
  unsigned status = 200;
  std::string body;  // JSON
  std::string allow;  // for a 405: the methods the path takes
};

// Makes one kind of stage. Lives in the stage's own folder with the stage's
// settings; the pipeline's order is a list of factories
// (src/pipeline/default_pipeline.cpp). Adding a stage is its folder and one
// line there.
class StageFactory {
 public:
  virtual ~StageFactory() = default;
  virtual std::string_view name() const = 0;
  // The stage's own settings (one row each): GATEHOUSE_* names, and options
  // of GATEHOUSE_ROUTE_<NAME>_*. They join the core ones in the unknown-name
  // check, --help and the README check.
  virtual std::span<const SettingInfo> global_settings() const { return {}; }
  virtual std::span<const SettingInfo> route_settings() const { return {}; }
  // Reads and checks the stage's settings from the environment, once, at
  // start-up and by --check-config; throws ConfigError naming the variable.
  virtual void configure(const EnvMap& /*env*/, const Settings& /*core*/) {}
  // One stage object for one worker.
  virtual std::unique_ptr<Stage> create(StageServices& services) const = 0;
  // Metric families the stage keeps outside the workers' shards (state
  // shared by all workers), read at each scrape from the admin thread: what
  // they read must be safe to read from there. `route_names` by route id.
  virtual std::vector<StageMetricFamily> metric_families(std::span<const std::string> /*route_names*/) const { return {}; }
  // Answers an admin-listener request whose path the stage owns (never the
  // public port), on the admin thread; nullopt for paths that are not its.
  virtual std::optional<StageAdminAnswer> admin(std::string_view /*method*/, std::string_view /*target*/) const { return std::nullopt; }
};

using StageFactories = std::vector<std::unique_ptr<StageFactory>>;


// The default pipeline, in order (src/pipeline/default_pipeline.cpp).
StageFactories default_stage_factories();
// Every setting Gatehouse knows: the core ones and each stage's.
SettingCatalog settings_catalog(const StageFactories& factories);
// Configures each factory from `env`; throws ConfigError.
void configure_stages(StageFactories& factories, const EnvMap& env, const Settings& core);

}  // namespace gatehouse
