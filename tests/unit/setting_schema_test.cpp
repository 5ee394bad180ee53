// The settings schema: the core rows' defaults parse; rows of every kind
// parse values, apply defaults and name bad values; stage names in a
// SettingCatalog are known to load_settings, --help and the suggestions.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gatehouse/redis_settings.hpp"
#include "gatehouse/config_error.hpp"
#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/cidr.hpp"
#include "gatehouse/setting_schema.hpp"
#include "gatehouse/settings.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// A stage-like config with a row of every kind.
enum class Mode { fast, safe };
struct Limits {
  std::uint64_t body = 0;
};
struct TestConfig {
  Millis wait{};
  Millis grace{};
  std::uint64_t size = 0;
  bool on = false;
  unsigned count = 0;
  Mode mode = Mode::fast;
  std::string label;
  std::string token;
  std::vector<Cidr> nets;
  int level = 0;
  std::string key;
  Limits limits;
  std::string name;
  int seeded = 0;
  std::uint16_t port = 0;
};

std::span<const SettingRow<TestConfig>> test_rows() {
  using R = SettingRows<TestConfig>;
  static const std::vector<SettingRow<TestConfig>> rows{
      R::duration("T_WAIT", "5s", "duration", &TestConfig::wait),
      R::duration("T_GRACE", "0", "duration, zero allowed", &TestConfig::grace, ZeroDuration::allowed),
      R::size("T_SIZE", "32k", "size with bounds", &TestConfig::size, "a size from 1k to 1m such as 32k", 1024, 1 << 20),
      R::boolean("T_ON", "yes", "bool", &TestConfig::on),
      R::integer("T_COUNT", "7", "integer", &TestConfig::count, 1, 10),
      R::choice("T_MODE", "safe", "choice", &TestConfig::mode, {{"fast", Mode::fast}, {"safe", Mode::safe}}),
      R::text("T_LABEL", "hello world", "text", &TestConfig::label),
      R::checked_text("T_TOKEN", "abc", "checked text", &TestConfig::token, [](std::string_view t) { return is_token(t); }, "a token"),
      R::list("T_NETS", "10.0.0.0/8, ::1", "list", &TestConfig::nets, Cidr::parse, "comma-separated CIDRs", "at least one CIDR"),
      R::custom("T_LEVEL", "low", "custom", &TestConfig::level,
                [](std::string_view t) -> int {
                  if (t == "low") return 1;
                  if (t == "high") return 9;
                  throw BadValue("low or high");
                }),
      R::checked_text("T_KEY", "(none)", "secret", &TestConfig::key, [](std::string_view t) { return t.empty() || t.starts_with("k-"); },
                      "a key such as k-123")
          .computed(no_text)
          .hidden(),
      R::size("T_BODY", "1m", "nested field", nested(&TestConfig::limits, &Limits::body), "a size such as 10m"),
      R::text("T_NAME", "the machine", "computed", &TestConfig::name).computed([] { return std::string("computed"); }),
      R::integer("T_SEEDED", "the seed", "seeded", &TestConfig::seeded, 0, 100).seeded(),
      R::integer("T_PORT", "80", "port", &TestConfig::port, 1, 65535),
      R::integer("ALT_PORT", "80", "fallback port", &TestConfig::port, 1, 65535).fallback_for("T_PORT"),
  };
  return rows;
}

EnvMap prefixed(const EnvMap& env, std::string_view prefix) {
  EnvMap out;
  for (const auto& [k, v] : env) out[std::string(prefix) + k] = v;
  return out;
}

}  // namespace

TEST(SettingSchema, EveryCoreDefaultParsesWithItsOwnParser) {
  std::size_t parsed = 0;
  for (const auto& row : core_global_rows()) {
    Settings s;
    if (!row.default_is_documentation()) {
      EXPECT_NO_THROW(row.apply(s, row.name, row.default_text)) << row.name;
      ++parsed;
    } else if (row.computed_default) {
      EXPECT_NO_THROW(row.apply(s, row.name, row.computed_default())) << row.name;
    }
  }
  for (const auto& row : core_route_rows()) {
    Route r;
    if (!row.default_is_documentation()) {
      EXPECT_NO_THROW(row.apply(r, row.name, row.default_text)) << row.name;
      ++parsed;
    } else if (row.computed_default) {
      EXPECT_NO_THROW(row.apply(r, row.name, row.computed_default())) << row.name;
    }
  }
  EXPECT_GE(parsed, 25u);  // most defaults are values, not prose
}

// Code that builds Settings or Route without an environment (tests) gets
// the member initialisers: they must be what the rows give.
TEST(SettingSchema, StructDefaultsAreTheRowDefaults) {
  for (const auto& row : core_global_rows()) {
    Settings s;
    apply_setting(row, EnvMap{}, s);
    EXPECT_TRUE(s == Settings{}) << row.name << " default differs from the Settings member initialiser";
  }
  for (const auto& row : core_route_rows()) {
    Route r;
    apply_setting(row, EnvMap{}, r, "GATEHOUSE_ROUTE_X_");
    EXPECT_TRUE(r == Route{}) << row.name << " default differs from the Route member initialiser";
  }
}

TEST(SettingSchema, HelpAndDocsComeFromTheRows) {
  // The core rows, then the shared Redis rows (redis_settings.hpp).
  ASSERT_EQ(global_settings().size(), core_global_rows().size() + redis_setting_rows().size());
  for (std::size_t i = 0; i < core_global_rows().size(); ++i) {
    EXPECT_EQ(global_settings()[i].name, core_global_rows()[i].name);
    EXPECT_EQ(global_settings()[i].default_value, core_global_rows()[i].default_text);
  }
  for (std::size_t i = 0; i < redis_setting_rows().size(); ++i)
    EXPECT_EQ(global_settings()[core_global_rows().size() + i].name, redis_setting_rows()[i].name);
  ASSERT_EQ(route_options().size(), core_route_rows().size());
  SettingInfo d = doc_of(core_route_rows()[0]);
  EXPECT_EQ(d.name, "PATH");
  EXPECT_EQ(d.default_value, "(required)");
}

TEST(SettingSchema, RowsApplyDefaultsWhenUnset) {
  TestConfig c;
  c.seeded = 42;
  apply_settings(test_rows(), EnvMap{}, c);
  EXPECT_EQ(c.wait, 5s);
  EXPECT_EQ(c.grace, 0ms);
  EXPECT_EQ(c.size, 32u * 1024);
  EXPECT_TRUE(c.on);
  EXPECT_EQ(c.count, 7u);
  EXPECT_EQ(c.mode, Mode::safe);
  EXPECT_EQ(c.label, "hello world");
  EXPECT_EQ(c.token, "abc");
  EXPECT_EQ(c.nets.size(), 2u);
  EXPECT_EQ(c.level, 1);
  EXPECT_EQ(c.key, "");
  EXPECT_EQ(c.limits.body, 1u << 20);
  EXPECT_EQ(c.name, "computed");
  EXPECT_EQ(c.seeded, 42);  // left as the caller seeded it
  EXPECT_EQ(c.port, 80);
}

TEST(SettingSchema, RowsParseSetValues) {
  EnvMap env{{"T_WAIT", "250ms"}, {"T_GRACE", "1m"}, {"T_SIZE", "1m"},      {"T_ON", "off"},     {"T_COUNT", "10"},
             {"T_MODE", "FAST"}, {"T_LABEL", ""},    {"T_TOKEN", "x-1"},    {"T_NETS", "::1"},   {"T_LEVEL", "high"},
             {"T_KEY", "k-9"},   {"T_BODY", "0"},    {"T_NAME", "given"},   {"T_SEEDED", "3"},   {"ALT_PORT", "8081"}};
  TestConfig c;
  apply_settings(test_rows(), env, c);
  EXPECT_EQ(c.wait, 250ms);
  EXPECT_EQ(c.grace, 60s);
  EXPECT_EQ(c.size, 1u << 20);
  EXPECT_FALSE(c.on);
  EXPECT_EQ(c.count, 10u);
  EXPECT_EQ(c.mode, Mode::fast);
  EXPECT_EQ(c.label, "");
  EXPECT_EQ(c.token, "x-1");
  ASSERT_EQ(c.nets.size(), 1u);
  EXPECT_TRUE(c.nets[0].contains("::1"));
  EXPECT_EQ(c.level, 9);
  EXPECT_EQ(c.key, "k-9");
  EXPECT_EQ(c.limits.body, 0u);
  EXPECT_EQ(c.name, "given");
  EXPECT_EQ(c.seeded, 3);
  EXPECT_EQ(c.port, 8081);  // the fallback, while T_PORT is unset

  env["T_PORT"] = "9000";
  env["ALT_PORT"] = "not read";  // the fallback is not even parsed
  apply_settings(test_rows(), env, c);
  EXPECT_EQ(c.port, 9000);

  // Route-style rows: the same names after a prefix.
  TestConfig p;
  apply_settings(test_rows(), prefixed({{"T_WAIT", "2s"}}, "GATEHOUSE_ROUTE_A_"), p, "GATEHOUSE_ROUTE_A_");
  EXPECT_EQ(p.wait, 2s);
}

TEST(SettingSchema, BadValuesNameVariableValueAndExpectation) {
  const std::vector<std::pair<EnvMap, std::string>> cases{
      {{{"T_WAIT", "0"}}, "T_WAIT=\"0\": expected a positive duration such as 250ms, 5s or 2m"},
      {{{"T_GRACE", "soon"}}, "T_GRACE=\"soon\": expected a positive duration such as 250ms, 5s or 2m"},
      {{{"T_SIZE", "2m"}}, "T_SIZE=\"2m\": expected a size from 1k to 1m such as 32k"},
      {{{"T_SIZE", "512"}}, "T_SIZE=\"512\": expected a size from 1k to 1m such as 32k"},
      {{{"T_ON", "maybe"}}, "T_ON=\"maybe\": expected true or false"},
      {{{"T_COUNT", "11"}}, "T_COUNT=\"11\": expected a whole number from 1 to 10"},
      {{{"T_MODE", "slow"}}, "T_MODE=\"slow\": expected fast or safe"},
      {{{"T_TOKEN", "a b"}}, "T_TOKEN=\"a b\": expected a token"},
      {{{"T_NETS", "10.0.0.0/8,nope"}}, "T_NETS=\"10.0.0.0/8,nope\": expected comma-separated CIDRs"},
      {{{"T_NETS", " , "}}, "T_NETS=\" , \": expected at least one CIDR"},
      {{{"T_LEVEL", "mid"}}, "T_LEVEL=\"mid\": expected low or high"},
      {{{"T_KEY", "sekrit"}}, "T_KEY=\"(hidden)\": expected a key such as k-123"},
      {{{"T_BODY", "lots"}}, "T_BODY=\"lots\": expected a size such as 10m"},
      {{{"ALT_PORT", "0"}}, "ALT_PORT=\"0\": expected a whole number from 1 to 65535"},
  };
  for (const auto& [env, message] : cases) {
    TestConfig c;
    EXPECT_EQ(error_of([&] { apply_settings(test_rows(), env, c); }), message);
  }
  TestConfig c;
  EXPECT_EQ(error_of([&] { apply_settings(test_rows(), EnvMap{{"GATEHOUSE_ROUTE_A_T_ON", "2"}}, c, "GATEHOUSE_ROUTE_A_"); }),
            "GATEHOUSE_ROUTE_A_T_ON=\"2\": expected true or false");
}

namespace {
EnvMap with_route() {
  return {{"GATEHOUSE_ROUTE_BOOKINGS_PATH", "/api/bookings"}, {"GATEHOUSE_ROUTE_BOOKINGS_UPSTREAM", "http://10.0.0.5:8080"}};
}
}  // namespace

// Behaviour of the core rows that their row flags carry.
TEST(SettingSchema, CoreSecretsFallbacksAndNormalisedValues) {
  EnvMap env = with_route();
  env["GATEHOUSE_SENTRY_DSN"] = "key-in-plain-sight";
  EXPECT_EQ(error_of([&] { load_settings(env, 1); }),
            "GATEHOUSE_SENTRY_DSN=\"(hidden)\": expected a DSN such as https://<key>@o0.ingest.sentry.io/<project>");
  env = with_route();
  env["GATEHOUSE_HONEYBADGER_ENDPOINT"] = "ftp://x//";  // quoted without the slashes it was judged without
  EXPECT_EQ(error_of([&] { load_settings(env, 1); }), "GATEHOUSE_HONEYBADGER_ENDPOINT=\"ftp://x\": expected an http:// or https:// URL");
  env = with_route();
  env["PORT"] = "not a port";
  env["GATEHOUSE_PORT"] = "81";  // PORT is then not read at all
  EXPECT_EQ(load_settings(env, 1).port, 81);
  env.erase("GATEHOUSE_PORT");
  EXPECT_EQ(error_of([&] { load_settings(env, 1); }), "PORT=\"not a port\": expected a whole number from 0 to 65535");
  EXPECT_EQ(load_settings(with_route(), 1).port, 8080);
  EXPECT_EQ(load_settings(with_route(), 0).workers, 1u);  // the seed is at least one worker
}

namespace {
// What a cache stage would contribute.
const SettingInfo kCacheGlobals[]{{"GATEHOUSE_CACHE_TTL", "30s", "How long a response is served from the cache."}};
const SettingInfo kCacheOptions[]{{"CACHE_TTL", "GATEHOUSE_CACHE_TTL", "Per-route cache lifetime."}};

SettingCatalog cache_catalog() {
  SettingCatalog catalog;
  catalog.add_globals(kCacheGlobals).add_route_options(kCacheOptions);
  return catalog;
}
}  // namespace

TEST(SchemaCatalog, StageNamesAreKnownToLoadSettings) {
  const SettingCatalog catalog = cache_catalog();
  EnvMap env = with_route();
  env["GATEHOUSE_CACHE_TTL"] = "1m";
  env["GATEHOUSE_ROUTE_BOOKINGS_CACHE_TTL"] = "5s";
  Settings s = load_settings(env, 1, catalog);
  ASSERT_EQ(s.routes.size(), 1u);
  EXPECT_EQ(s.routes[0].name, "bookings");  // CACHE_TTL is an option, not part of the route name

  // Without the catalog they are unknown, as before.
  EXPECT_EQ(error_of([&] { load_settings(env, 1); }), "GATEHOUSE_CACHE_TTL=\"1m\": unknown setting (see gatehouse --help)");

  // With it, other names are still rejected, and the stage's are suggested.
  EnvMap typo = env;
  typo["GATEHOUSE_CACHE_TTLL"] = "1m";
  EXPECT_EQ(error_of([&] { load_settings(typo, 1, catalog); }),
            "GATEHOUSE_CACHE_TTLL=\"1m\": unknown setting (did you mean GATEHOUSE_CACHE_TTL?)");
  typo = env;
  typo["GATEHOUSE_ROUTE_BOOKINGS_CACHE_TL"] = "1s";
  EXPECT_EQ(error_of([&] { load_settings(typo, 1, catalog); }),
            "GATEHOUSE_ROUTE_BOOKINGS_CACHE_TL=\"1s\": unknown setting (did you mean GATEHOUSE_ROUTE_BOOKINGS_CACHE_TTL?)");
  typo = env;
  typo["GATEHOUSE_FLUX_CAPACITOR"] = "on";
  EXPECT_EQ(error_of([&] { load_settings(typo, 1, catalog); }), "GATEHOUSE_FLUX_CAPACITOR=\"on\": unknown setting (see gatehouse --help)");

  // A stage option names a route like a core option does: that route needs a path.
  env["GATEHOUSE_ROUTE_OTHER_CACHE_TTL"] = "1s";
  EXPECT_EQ(error_of([&] { load_settings(env, 1, catalog); }),
            "GATEHOUSE_ROUTE_OTHER_PATH is not set: every route needs a path prefix such as /api/other");
}

TEST(SchemaCatalog, HelpSuggestionsAndKnownNames) {
  const SettingCatalog catalog = cache_catalog();
  EXPECT_TRUE(is_known_setting("GATEHOUSE_CACHE_TTL", catalog));
  EXPECT_TRUE(is_known_setting("GATEHOUSE_ROUTE_API_CACHE_TTL", catalog));
  EXPECT_TRUE(is_known_setting("GATEHOUSE_ROUTE_API_CONNECT_TIMEOUT", catalog));
  EXPECT_FALSE(is_known_setting("GATEHOUSE_CACHE_TTL"));
  EXPECT_FALSE(is_known_setting("GATEHOUSE_ROUTE_API_CACHE_TTL"));
  EXPECT_TRUE(is_known_setting("GATEHOUSE_DRAIN_TIMEOUT"));

  // Each by its meaning: the global's name also appears as the route option's default.
  EXPECT_NE(help_text(catalog).find("How long a response is served from the cache."), std::string::npos);
  EXPECT_NE(help_text(catalog).find("Per-route cache lifetime."), std::string::npos);
  EXPECT_EQ(help_text().find("CACHE_TTL"), std::string::npos);
  EXPECT_EQ(suggest_setting("GATEHOUSE_CACHE_TL", {}, catalog), "GATEHOUSE_CACHE_TTL");

  SettingCatalog twice = catalog;
  EXPECT_THROW(twice.add_globals(kCacheGlobals), std::logic_error);
  EXPECT_THROW(twice.add_route_options(kCacheOptions), std::logic_error);
  const SettingInfo core_again[]{{"GATEHOUSE_PORT", "1", "taken"}};
  EXPECT_THROW(twice.add_globals(core_again), std::logic_error);
}

TEST(SchemaCatalog, AStageReadsItsRouteOptionsWithTheRoutePrefix) {
  struct CacheRoute {
    Millis ttl{};
  };
  using R = SettingRows<CacheRoute>;
  const std::vector<SettingRow<CacheRoute>> rows{
      R::duration("CACHE_TTL", "GATEHOUSE_CACHE_TTL", "Per-route cache lifetime.", &CacheRoute::ttl).seeded()};
  EnvMap env{{"GATEHOUSE_ROUTE_USER_PROFILES_CACHE_TTL", "5s"}};
  CacheRoute profiles{30s}, other{30s};  // seeded from the stage's global setting
  apply_settings(rows, env, profiles, route_variable_prefix("user_profiles"));
  apply_settings(rows, env, other, route_variable_prefix("other"));
  EXPECT_EQ(profiles.ttl, 5s);
  EXPECT_EQ(other.ttl, 30s);
}
