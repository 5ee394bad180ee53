#pragma once
#include <span>
#include <string>
#include <vector>

#include "gatehouse/cidr.hpp"
#include "gatehouse/setting_schema.hpp"

namespace gatehouse {

// The observe stage's own settings.
struct ObserveConfig {
  std::vector<Cidr> trusted_proxies;  // whose X-Forwarded-* are believed and extended
  std::string via_name;               // received-by in Via; the host name by default
};

// GATEHOUSE_TRUSTED_PROXIES, GATEHOUSE_VIA_NAME: one row each.
std::span<const SettingRow<ObserveConfig>> observe_rows();
// Reads them from `env`; throws ConfigError naming the variable.
ObserveConfig load_observe_config(const EnvMap& env);

}  // namespace gatehouse
