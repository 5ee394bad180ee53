#include "gatehouse/cidr.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "gatehouse/values.hpp"

namespace gatehouse {

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  text = trim(text);
  auto slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  unsigned max_bits = v4 ? 32 : 128;
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    auto parsed = parse_int(text.substr(slash + 1), 0, max_bits);
    if (!parsed) return std::nullopt;
    bits = static_cast<unsigned>(*parsed);
  }
  Cidr c;
  c.prefix_bits = v4 ? bits + 96 : bits;
  c.network = *address;
  // Clear host bits so that contains() can compare whole bytes.
  for (unsigned i = 0; i < 128; ++i) {
    if (i >= c.prefix_bits) c.network[i / 8] &= static_cast<std::uint8_t>(~(0x80u >> (i % 8)));
  }
  return c;
}

bool Cidr::contains(std::string_view address) const {
  auto ip = parse_ip(address);
  if (!ip) return false;
  for (unsigned i = 0; i < prefix_bits; ++i) {
    std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (i % 8));
    if (((*ip)[i / 8] & mask) != (network[i / 8] & mask)) return false;
  }
  return true;
}

}  // namespace gatehouse
