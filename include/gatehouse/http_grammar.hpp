#pragma once
#include <string_view>

namespace gatehouse {

// The character classes of RFC 9110 §5.6, used wherever the gateway checks
// HTTP syntax itself (request heads, chunked bodies, settings that name methods).

// tchar: the characters of a token (method, field name, chunk-extension name).
constexpr bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// field-content: VCHAR, obs-text, SP and HTAB. No other control byte (NUL, bare CR, DEL...).
constexpr bool is_field_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

constexpr bool is_hex_digit(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

}  // namespace gatehouse
