#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

// A request target made ready for routing: origin-form path with dot
// segments removed (RFC 3986 §5.2.4, also "%2e" forms), and the query.
struct RequestTarget {
  std::string path;       // starts with '/'
  std::string query;      // without '?', may be empty
  bool has_query = false;
  std::string authority;  // from an absolute-form target, else empty

  std::string path_and_query() const { return has_query ? path + "?" + query : path; }
};

// nullopt: not a target a proxy can forward (asterisk-form, authority-form,
// a path climbing above the root, a fragment, a backslash).
std::optional<RequestTarget> normalize_target(std::string_view raw);

// Path rewritten for the upstream: strip the route prefix when asked, then
// put the upstream URL's own path prefix in front.
std::string upstream_path(std::string_view path, std::string_view route_prefix, bool strip_prefix,
                          std::string_view upstream_prefix);

}  // namespace gatehouse
