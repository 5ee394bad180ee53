#include "gatehouse/message_head.hpp"

namespace gatehouse {

bool keeps_alive(unsigned version, const Fields& fields) {
  bool close = false, keep_alive = false;
  fields.for_each_value("Connection", [&](std::string_view value) {
    while (!value.empty()) {
      auto comma = value.find(',');
      std::string_view token = value.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (iequals_ascii(token, "close")) close = true;
      else if (iequals_ascii(token, "keep-alive")) keep_alive = true;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  });
  if (close) return false;
  return version >= 11 || keep_alive;
}

}  // namespace gatehouse
