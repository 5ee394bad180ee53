#include "gatehouse/stage_factory.hpp"

namespace gatehouse {

SettingCatalog settings_catalog(const StageFactories& factories) {
  SettingCatalog catalog;
  for (const auto& f : factories) catalog.add_globals(f->global_settings()).add_route_options(f->route_settings());
  return catalog;
}

void configure_stages(StageFactories& factories, const EnvMap& env, const Settings& core) {
  for (auto& f : factories) f->configure(env, core);
}

}  // namespace gatehouse
