// Upstream URLs of routes: parsing and printing.
#include <cctype>
#include <fmt/format.h>

#include "gatehouse/core_setting_rows.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

std::optional<UpstreamUrl> parse_upstream_url(std::string_view text) {
  UpstreamUrl u;
  std::string lower = to_lower(text.substr(0, 8));
  if (lower.starts_with("http://")) {
    text.remove_prefix(7);
  } else if (lower.starts_with("https://")) {
    u.tls = true;
    text.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (path.find_first_of("?# ") != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = to_lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  for (char c : u.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) return std::nullopt;
  if (port_text.empty()) {
    u.port = u.tls ? 443 : 80;
  } else {
    auto port = parse_int(port_text, 1, 65535);
    if (!port) return std::nullopt;
    u.port = static_cast<std::uint16_t>(*port);
  }
  while (path.size() > 0 && path.back() == '/') path.remove_suffix(1);
  u.path_prefix = std::string(path);
  return u;
}

std::string UpstreamUrl::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string UpstreamUrl::text() const { return fmt::format("{}://{}{}", tls ? "https" : "http", authority(), path_prefix); }

}  // namespace gatehouse
