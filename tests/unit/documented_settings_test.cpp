// The README, the example env file and deploy/ must name only settings that
// exist, and the README and example must name every one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "gatehouse/stage_factory.hpp"

namespace {
std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The core settings and those of every stage in the default pipeline.
const gatehouse::SettingCatalog& catalog() {
  static const gatehouse::SettingCatalog c = gatehouse::settings_catalog(gatehouse::default_stage_factories());
  return c;
}

bool is_known(const std::string& name) {
  if (catalog().is_global(name)) return true;
  if (!name.starts_with("GATEHOUSE_ROUTE_")) return false;
  for (const auto& o : catalog().route_options())
    if (name.ends_with("_" + std::string(o.name))) return true;
  return name == "GATEHOUSE_ROUTE_";  // the prefix alone, as prose mentions it
}

// Build options of CMake, not run-time settings.
const std::set<std::string> kBuildOptions{"GATEHOUSE_BUILD_TESTS", "GATEHOUSE_BUILD_BENCH", "GATEHOUSE_VERSION", "GATEHOUSE_MIMALLOC"};

std::set<std::string> names_in(const std::string& text) {
  std::set<std::string> out;
  std::regex re("GATEHOUSE_[A-Z0-9_]+");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("unknown setting") != std::string::npos) continue;  // examples of the typo error
    for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it) {
      std::string n = it->str();
      // Placeholders like GATEHOUSE_ROUTE_<NAME>_PATH end at the '<'.
      if ((n.ends_with("_") && n != "GATEHOUSE_ROUTE_") || kBuildOptions.count(n)) continue;
      out.insert(n);
    }
  }
  return out;
}
const std::filesystem::path kRoot = GATEHOUSE_SOURCE_DIR;
}  // namespace

TEST(DocumentedSettings, DeployAndDocsNameOnlyRealSettings) {
  std::vector<std::filesystem::path> files{kRoot / "README.md", kRoot / ".env", kRoot / "config/gatehouse.env.example"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(kRoot / "deploy"))
    if (e.is_regular_file()) files.push_back(e.path());
  for (const auto& f : files)
    for (const auto& name : names_in(read(f))) EXPECT_TRUE(is_known(name)) << name << " in " << f;
}

TEST(DocumentedSettings, ReadmeAndExampleNameEverySetting) {
  for (const auto& f : {kRoot / "README.md", kRoot / "config/gatehouse.env.example"}) {
    std::string text = read(f);
    for (const auto& s : catalog().globals())
      EXPECT_NE(text.find(std::string(s.name)), std::string::npos) << s.name << " missing from " << f;
    for (const auto& o : catalog().route_options())
      EXPECT_NE(text.find("_" + std::string(o.name)), std::string::npos) << o.name << " missing from " << f;
  }
}
