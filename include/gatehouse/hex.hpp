#pragma once
// Bytes as lower-case hexadecimal, two digits a byte (digests: SHA-1 of a
// Redis script, SHA-256 of an idempotency key's scope or body).
#include <cstddef>
#include <span>
#include <string>

namespace gatehouse {

inline constexpr char kLowerHexDigits[] = "0123456789abcdef";

inline std::string hex_lower(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kLowerHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kLowerHexDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace gatehouse
