#include "gatehouse/values.hpp"

#include <cctype>
#include <charconv>
#include <fmt/format.h>

namespace gatehouse {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

namespace {
// Splits "250ms" into 250 and "ms". Fails on signs, spaces inside, or no digits.
bool split_number(std::string_view text, std::uint64_t& number, std::string& unit) {
  text = trim(text);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return false;
  unit = to_lower(std::string_view(end, text.data() + text.size() - end));
  return true;
}
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  std::uint64_t factor = 0;
  if (unit == "ms") factor = 1;
  else if (unit == "s" || unit.empty()) factor = 1000;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return std::nullopt;
  if (n > (std::uint64_t{1} << 40) / factor) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * factor));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  unsigned shift = 0;
  if (unit.empty() || unit == "b") shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  else return std::nullopt;
  if (n > (std::uint64_t{1} << (62 - shift))) return std::nullopt;
  return n << shift;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = to_lower(trim(text));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  text = trim(text);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (n < min || n > max) return std::nullopt;
  return n;
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 3'600'000 == 0 && ms != 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0 && ms != 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "unlimited";
  if (bytes % (1u << 30) == 0) return fmt::format("{}GiB", bytes >> 30);
  if (bytes % (1u << 20) == 0) return fmt::format("{}MiB", bytes >> 20);
  if (bytes % (1u << 10) == 0) return fmt::format("{}KiB", bytes >> 10);
  return fmt::format("{}B", bytes);
}

}  // namespace gatehouse
