// The observe stage's settings, read by its factory from the environment.
#include <gtest/gtest.h>
#include <unistd.h>

#include "../../../src/stages/observe/observe_config.hpp"
#include "gatehouse/config_error.hpp"
#include "gatehouse/stage_factory.hpp"

using namespace gatehouse;

namespace {
std::string error_of(const EnvMap& env) {
  try {
    load_observe_config(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(ObserveConfig, ViaNameDefaultsToTheHostNameAndMustBeAToken) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(load_observe_config({}).via_name, host);
  EXPECT_EQ(load_observe_config({{"GATEHOUSE_VIA_NAME", "edge-1.example.com"}}).via_name, "edge-1.example.com");
  EXPECT_EQ(error_of({{"GATEHOUSE_VIA_NAME", "edge 1"}}),
            "GATEHOUSE_VIA_NAME=\"edge 1\": expected a name of letters, digits and -._ such as gw-1.example.com");
}

TEST(ObserveConfig, TrustedProxiesAreAListOfCidrs) {
  EXPECT_TRUE(load_observe_config({}).trusted_proxies.empty());
  EXPECT_EQ(load_observe_config({{"GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8, ::1"}}).trusted_proxies.size(), 2u);
  EXPECT_EQ(error_of({{"GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/33"}}),
            "GATEHOUSE_TRUSTED_PROXIES=\"10.0.0.0/33\": expected comma-separated addresses or CIDRs such as 10.0.0.0/8,::1");
}

TEST(ObserveConfig, TheStagesSettingsAreKnownToTheGatewayAndItsHelp) {
  auto stages = default_stage_factories();
  SettingCatalog catalog = settings_catalog(stages);
  EXPECT_TRUE(is_known_setting("GATEHOUSE_VIA_NAME", catalog));
  EXPECT_TRUE(is_known_setting("GATEHOUSE_TRUSTED_PROXIES", catalog));
  EXPECT_FALSE(is_known_setting("GATEHOUSE_VIA_NAME"));  // not a core setting
  EXPECT_NE(help_text(catalog).find("GATEHOUSE_VIA_NAME"), std::string::npos);
  // A typo of a stage's setting still stops start-up, with a hint.
  EnvMap env{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "http://127.0.0.1:9"}, {"GATEHOUSE_VIA_NAM", "x"}};
  try {
    load_settings(env, 1, catalog);
    FAIL() << "accepted a typo";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean GATEHOUSE_VIA_NAME?"), std::string::npos) << e.what();
  }
  // And a bad value is refused by the stage's factory, naming the variable.
  env.erase("GATEHOUSE_VIA_NAM");
  env["GATEHOUSE_VIA_NAME"] = "a b";
  Settings core = load_settings(env, 1, catalog);
  EXPECT_THROW(configure_stages(stages, env, core), ConfigError);
}
