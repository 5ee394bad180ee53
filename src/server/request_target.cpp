#include "gatehouse/request_target.hpp"

#include <vector>

#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

// "." or ".." also when written with %2e / %2E.
int dot_segment_kind(std::string_view s) {
  if (s.size() > 6) return 0;
  if (s == "." || iequals(s, "%2e")) return 1;
  if (s == ".." || iequals(s, ".%2e") || iequals(s, "%2e.") || iequals(s, "%2e%2e")) return 2;
  return 0;
}

// A dot segment needs a '.' in the path, plain or as %2e: most paths have
// neither, and are left as they are without taking them apart.
bool may_hold_dot_segments(std::string_view path) {
  return path.find('.') != std::string_view::npos || path.find('%') != std::string_view::npos;
}

std::optional<std::string> remove_dot_segments(std::string_view path) {
  if (!may_hold_dot_segments(path)) return std::string(path);
  std::vector<std::string_view> out;
  bool trailing_slash = false;
  std::size_t pos = 1;  // path starts with '/'
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    std::string_view seg = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    bool last = slash == std::string_view::npos;
    int kind = dot_segment_kind(seg);
    if (kind == 1) {
      trailing_slash = last;
    } else if (kind == 2) {
      if (out.empty()) return std::nullopt;  // would climb above the root
      out.pop_back();
      trailing_slash = last;
    } else {
      out.push_back(seg);
      trailing_slash = false;
    }
    if (last) break;
    pos = slash + 1;
  }
  std::string result;
  for (auto seg : out) {
    result += '/';
    result.append(seg);
  }
  if (result.empty() || trailing_slash) result += '/';
  return result;
}

}  // namespace

std::optional<RequestTarget> normalize_target(std::string_view raw) {
  RequestTarget t;
  if (raw.find('#') != std::string_view::npos || raw.find('\\') != std::string_view::npos) return std::nullopt;
  auto starts_with_scheme = [&](std::string_view scheme) { return raw.size() >= scheme.size() && iequals(raw.substr(0, scheme.size()), scheme); };
  if (starts_with_scheme("http://") || starts_with_scheme("https://")) {
    raw.remove_prefix(raw.find("//") + 2);
    auto slash = raw.find_first_of("/?");
    t.authority = std::string(raw.substr(0, slash));
    if (t.authority.empty() || t.authority.find('@') != std::string::npos) return std::nullopt;
    raw = slash == std::string_view::npos ? std::string_view("/") : raw.substr(slash);
    if (raw.front() == '?') {
      t.path = "/";
      t.has_query = true;
      t.query = std::string(raw.substr(1));
      return t;
    }
  }
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  auto q = raw.find('?');
  std::string_view path = raw.substr(0, q);
  if (q != std::string_view::npos) {
    t.has_query = true;
    t.query = std::string(raw.substr(q + 1));
  }
  auto normalized = remove_dot_segments(path);
  if (!normalized) return std::nullopt;
  t.path = std::move(*normalized);
  return t;
}

std::string upstream_path(std::string_view path, std::string_view route_prefix, bool strip_prefix,
                          std::string_view upstream_prefix) {
  std::string_view rest = path;
  if (strip_prefix && route_prefix != "/" && rest.starts_with(route_prefix)) {
    rest.remove_prefix(route_prefix.size());
    if (rest.empty()) rest = "/";
  }
  std::string out(upstream_prefix);
  out.append(rest);
  return out;
}

}  // namespace gatehouse
