#include "gatehouse/http_grammar.hpp"

namespace gatehouse {

const char* split_field_line(std::string_view line, std::string_view& name, std::string_view& value) {
  if (line.empty()) return "empty header line";
  if (line.front() == ' ' || line.front() == '\t') return "obsolete line folding";
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return "header line without a colon";
  name = line.substr(0, colon);
  if (name.empty()) return "empty header name";
  for (unsigned char c : name) {
    if (c == ' ' || c == '\t') return "whitespace before colon in header";
    if (!is_tchar(c)) return "invalid character in header name";
  }
  value = line.substr(colon + 1);
  for (unsigned char c : value)
    if (!is_field_value_byte(c)) return "invalid character in header value";
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return nullptr;
}

}  // namespace gatehouse
