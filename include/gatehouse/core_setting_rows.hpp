#pragma once
// The rows of the core settings: the one place their names, parsers,
// defaults and documentation are written.
#include <optional>
#include <span>
#include <string_view>

#include "gatehouse/setting_schema.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

// GATEHOUSE_* (and PORT), in --help order. Applied to a Settings whose
// `workers` the caller has seeded with the core count.
std::span<const SettingRow<Settings>> core_global_rows();

// The options of GATEHOUSE_ROUTE_<NAME>_<OPTION>, by OPTION. Applied to a
// Route whose `options` the caller has seeded with Settings::route_defaults;
// PATH and UPSTREAM are required, which the caller checks.
std::span<const SettingRow<Route>> core_route_rows();

// "http://10.0.0.5:8080/v1", "https://[::1]/"; nullopt when it is not such a URL.
std::optional<UpstreamUrl> parse_upstream_url(std::string_view text);

}  // namespace gatehouse
