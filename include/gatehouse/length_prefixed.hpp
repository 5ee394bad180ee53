#pragma once
// A small text codec for values the gateway keeps in a store (Redis or its
// own memory): numbers as "<decimal>:" and byte strings as "<length>:<bytes>"
// (netstrings without the trailing comma). Any byte may appear in a string;
// a reader never reads past its input, and says nullopt on anything malformed.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

inline void put_number(std::string& out, std::uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;  // 20 digits hold any 64-bit number
  out.append(digits, end);
  out += ':';
}

inline void put_string(std::string& out, std::string_view s) {
  put_number(out, s.size());
  out += s;
}

// Reads "<decimal>:" from the front of `in`.
inline std::optional<std::uint64_t> take_number(std::string_view& in) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + colon, n);
  if (ec != std::errc() || p != in.data() + colon) return std::nullopt;
  in.remove_prefix(colon + 1);
  return n;
}

// Reads "<length>:<bytes>" from the front of `in`; the view points into `in`'s text.
inline std::optional<std::string_view> take_string(std::string_view& in) {
  std::string_view rest = in;
  auto n = take_number(rest);
  if (!n || *n > rest.size()) return std::nullopt;
  std::string_view out = rest.substr(0, *n);
  rest.remove_prefix(*n);
  in = rest;
  return out;
}

// Reads `count` pairs of strings (a name and its value), handing each to
// `add(name, value)`, which returns false for a pair it refuses. False when
// a pair is malformed or refused.
template <class Add>
bool take_string_pairs(std::string_view& in, std::uint64_t count, Add&& add) {
  for (std::uint64_t i = 0; i < count; ++i) {
    auto name = take_string(in);
    auto value = name ? take_string(in) : std::nullopt;
    if (!value || !add(*name, *value)) return false;
  }
  return true;
}

}  // namespace gatehouse
