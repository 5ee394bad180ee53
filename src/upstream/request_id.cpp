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
  std::string id;
  next_into(id);
  return id;
}

void RequestIdGenerator::next_into(std::string& out) {
  std::uint64_t hi = next_word(), lo = next_word();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  // 8-4-4-4-12 hex digits: hi gives the first three groups, lo the last two.
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  auto put = [](char* at, std::uint64_t word, int digits) {
    for (int i = digits - 1; i >= 0; --i, word >>= 4) at[i] = kHex[word & 15];
  };
  put(text, hi >> 32, 8);
  put(text + 9, hi >> 16, 4);
  put(text + 14, hi, 4);
  put(text + 19, lo >> 48, 4);
  put(text + 24, lo, 12);
  text[8] = text[13] = text[18] = text[23] = '-';
  out.assign(text, sizeof text);
}

}  // namespace gatehouse
