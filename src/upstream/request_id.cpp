#include "gatehouse/request_id.hpp"

#include <random>

namespace gatehouse {

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
              c == ':' || c == '+' || c == '/' || c == '=' || c == '-';
    if (!ok) return false;
  }
  return true;
}

RequestIdGenerator::RequestIdGenerator() {
  std::random_device seed;
  state_[0] = (std::uint64_t{seed()} << 32) | seed();
  state_[1] = (std::uint64_t{seed()} << 32) | seed() | 1;
}

// xorshift128+: fast and plenty for ids that must be unique, not secret.
std::uint64_t RequestIdGenerator::next_word() {
  std::uint64_t s1 = state_[0];
  const std::uint64_t s0 = state_[1];
  state_[0] = s0;
  s1 ^= s1 << 23;
  state_[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
  return state_[1] + s0;
}

std::string RequestIdGenerator::next() {
  std::uint64_t hi = next_word(), lo = next_word();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int bit = 60;
  std::size_t i = 0;
  for (int n = 0; n < 32; ++n) {
    if (i == 8 || i == 13 || i == 18 || i == 23) ++i;
    std::uint64_t word = n < 16 ? hi : lo;
    out[i++] = kHex[(word >> bit) & 15];
    bit = bit == 0 ? 60 : bit - 4;
  }
  return out;
}

}  // namespace gatehouse
