#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

// An IPv4 or IPv6 network such as 10.0.0.0/8 or fd00::/8. IPv4 addresses are
// held as IPv4-mapped IPv6 so that one comparison covers both families.
struct Cidr {
  std::array<std::uint8_t, 16> network{};
  unsigned prefix_bits = 0;  // out of 128

  static std::optional<Cidr> parse(std::string_view text);
  bool contains(std::string_view address) const;
  bool operator==(const Cidr&) const = default;
};

// Parses a textual IPv4/IPv6 address into mapped form.
std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text);

}  // namespace gatehouse
