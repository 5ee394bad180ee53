#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

// Parsers for the textual forms settings take. They return nullopt on bad
// input; the caller turns that into a ConfigError that names the variable.

// "250ms", "5s", "2m", "1h"; a bare integer means seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// "512", "64k", "10m", "1g" (binary multiples, case-insensitive).
std::optional<std::uint64_t> parse_size(std::string_view text);
// true/false, yes/no, on/off, 1/0 (case-insensitive).
std::optional<bool> parse_bool(std::string_view text);
// A decimal integer in [min, max].
std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max);

// Human forms, for --check-config: "5s", "250ms"; "10MiB", "unlimited".
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);

std::string to_lower(std::string_view s);
// ASCII case-insensitive equality, without allocating.
bool iequals(std::string_view a, std::string_view b);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s);

}  // namespace gatehouse
