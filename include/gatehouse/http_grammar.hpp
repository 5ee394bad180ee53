#pragma once
#include <string_view>

#include "gatehouse/values.hpp"

namespace gatehouse {

// The character classes of RFC 9110 §5.6, used wherever the gateway checks
// HTTP syntax itself (request heads, chunked bodies, settings that name methods).

namespace detail {
// One table for the per-byte checks of heads: bit 1 tchar, bit 2 field-content.
constexpr unsigned char kTcharBit = 1, kFieldValueBit = 2;
constexpr bool compute_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}
struct ByteClasses {
  unsigned char bits[256];
  constexpr ByteClasses() : bits{} {
    for (unsigned c = 0; c < 256; ++c) {
      auto b = static_cast<unsigned char>(c);
      bits[c] = static_cast<unsigned char>((compute_tchar(b) ? kTcharBit : 0) |
                                           (b == '\t' || (b >= 0x20 && b != 0x7f) ? kFieldValueBit : 0));
    }
  }
};
inline constexpr ByteClasses kByteClasses{};
}  // namespace detail

// tchar: the characters of a token (method, field name, chunk-extension name).
constexpr bool is_tchar(unsigned char c) { return detail::kByteClasses.bits[c] & detail::kTcharBit; }

constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// field-content: VCHAR, obs-text, SP and HTAB. No other control byte (NUL, bare CR, DEL...).
constexpr bool is_field_value_byte(unsigned char c) { return detail::kByteClasses.bits[c] & detail::kFieldValueBit; }

constexpr bool is_hex_digit(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

}  // namespace gatehouse

namespace gatehouse {

// Calls f(item) for each item of a comma-separated list (RFC 9110 §5.6.1),
// OWS trimmed, empty items included (callers skip or refuse them), until f
// returns false. Returns false when f stopped the walk.
template <class F>
bool for_each_list_item(std::string_view list, F&& f) {
  while (true) {
    auto comma = list.find(',');
    if (!f(trim(list.substr(0, comma)))) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

// The CRLF-ended line that starts at `pos`, found by its CR (memchr): on
// `found`, `line` holds it and `pos` moves past its CRLF. A LF inside a line
// is left to the checks of that line; one with no CR after it is `bare_lf`.
enum class LineEnd { found, need_more, bare_lf, bare_cr };
LineEnd next_crlf_line(std::string_view bytes, std::size_t& pos, std::string_view& line);

// What Connection fields say of the connection (RFC 9112 §9.3), gathered
// over every Connection line.
struct ConnectionOptions {
  bool close = false;       // an option "close"
  bool keep_alive = false;  // an option "keep-alive"
  void read(std::string_view value);
  // Whether a message of this version (10 or 11) lets its connection stay open.
  bool keeps_alive(unsigned version) const { return !close && (version >= 11 || keep_alive); }
};

// Every byte is field-content (eight bytes at a time where they are plain).
bool all_field_value_bytes(std::string_view v);

// Splits one field line (without its CRLF) into name and value (OWS
// trimmed), checking it against RFC 9112 §5: no obs-fold, a token name with
// no whitespace before the colon, field-content bytes only. Returns null when
// the line is good, else why it is not.
const char* split_field_line(std::string_view line, std::string_view& name, std::string_view& value);

}  // namespace gatehouse
