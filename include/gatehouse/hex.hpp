#pragma once
// Bytes as lower-case hexadecimal, two digits a byte (digests: SHA-1 of a
// Redis script, SHA-256 of an idempotency key's scope or body).
#include <cstddef>
#include <span>
#include <string>

namespace gatehouse {

inline constexpr char kLowerHexDigits[] = "0123456789abcdef";

// Appends to `out` (a key's prefix, say), allocating at most once.
inline void append_hex_lower(std::string& out, std::span<const unsigned char> bytes) {
  std::size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[at + 2 * i] = kLowerHexDigits[bytes[i] >> 4];
    out[at + 2 * i + 1] = kLowerHexDigits[bytes[i] & 15];
  }
}

inline std::string hex_lower(std::span<const unsigned char> bytes) {
  std::string out;
  append_hex_lower(out, bytes);
  return out;
}

}  // namespace gatehouse
