#include "gatehouse/http_grammar.hpp"

#include <cstdint>
#include <cstring>

#include "gatehouse/fields.hpp"

namespace gatehouse {

LineEnd next_crlf_line(std::string_view bytes, std::size_t& pos, std::string_view& line) {
  if (pos >= bytes.size()) return LineEnd::need_more;
  const char* base = bytes.data();
  const void* cr = std::memchr(base + pos, '\r', bytes.size() - pos);
  if (!cr) return std::memchr(base + pos, '\n', bytes.size() - pos) ? LineEnd::bare_lf : LineEnd::need_more;
  auto at = static_cast<std::size_t>(static_cast<const char*>(cr) - base);
  if (at + 1 >= bytes.size()) return LineEnd::need_more;  // the LF may follow
  if (bytes[at + 1] != '\n') return LineEnd::bare_cr;
  line = bytes.substr(pos, at - pos);
  pos = at + 2;
  return LineEnd::found;
}

void ConnectionOptions::read(std::string_view value) {
  for_each_list_item(value, [&](std::string_view option) {
    if (iequals_ascii(option, "close")) close = true;
    else if (iequals_ascii(option, "keep-alive")) keep_alive = true;
    return true;
  });
}

bool all_field_value_bytes(std::string_view v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, v.data() + i, 8);
    // Some byte below 0x20 (HTAB is one, and allowed), or DEL: look closer.
    std::uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
    std::uint64_t y = x ^ (kOnes * 0x7f);
    std::uint64_t del = (y - kOnes) & ~y & kHigh;
    if (below_space | del)
      for (std::size_t j = i; j < i + 8; ++j)
        if (!is_field_value_byte(static_cast<unsigned char>(v[j]))) return false;
  }
  for (; i < v.size(); ++i)
    if (!is_field_value_byte(static_cast<unsigned char>(v[i]))) return false;
  return true;
}

const char* split_field_line(std::string_view line, std::string_view& name, std::string_view& value) {
  if (line.empty()) return "empty header line";
  if (line.front() == ' ' || line.front() == '\t') return "obsolete line folding";
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return "header line without a colon";
  name = line.substr(0, colon);
  if (name.empty()) return "empty header name";
  for (unsigned char c : name)
    if (!is_tchar(c)) return c == ' ' || c == '\t' ? "whitespace before colon in header" : "invalid character in header name";
  value = line.substr(colon + 1);
  if (!all_field_value_bytes(value)) return "invalid character in header value";
  value = trim(value);
  return nullptr;
}

}  // namespace gatehouse
