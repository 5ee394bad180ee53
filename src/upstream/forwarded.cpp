#include "gatehouse/forwarded.hpp"

#include <vector>

#include "gatehouse/values.hpp"

namespace gatehouse {

bool is_trusted(std::string_view address, const std::vector<Cidr>& trusted) {
  for (const auto& c : trusted)
    if (c.contains(address)) return true;
  return false;
}

bool via_lists(std::string_view via, std::string_view name) {
  std::size_t pos = 0;
  while (pos < via.size()) {
    // One member: received-protocol RWS received-by [ RWS comment ], up to a comma outside a comment.
    std::size_t end = pos;
    int depth = 0;
    for (; end < via.size(); ++end) {
      char c = via[end];
      if (c == '\\' && depth > 0) ++end;
      else if (c == '(') ++depth;
      else if (c == ')' && depth > 0) --depth;
      else if (c == ',' && depth == 0) break;
    }
    std::string_view member = trim(via.substr(pos, end - pos));
    auto space = member.find_first_of(" \t");
    if (space != std::string_view::npos) {
      std::string_view by = trim(member.substr(space));
      by = by.substr(0, by.find_first_of(" \t("));
      if (iequals(by, name)) return true;
    }
    pos = end + 1;
  }
  return false;
}

ForwardedHeaders compute_forwarded(std::string_view peer, std::optional<std::string_view> incoming_for,
                                   std::optional<std::string_view> incoming_proto,
                                   std::optional<std::string_view> incoming_host, std::string_view our_scheme,
                                   std::string_view request_host, const std::vector<Cidr>& trusted) {
  ForwardedHeaders f;
  bool trust_peer = is_trusted(peer, trusted);
  if (trust_peer && incoming_for && !trim(*incoming_for).empty()) {
    f.for_value = std::string(trim(*incoming_for)) + ", " + std::string(peer);
    // Walk the chain from the right: the first hop we do not trust is the client.
    std::vector<std::string_view> hops;
    std::string_view rest = f.for_value;
    while (true) {
      auto comma = rest.find(',');
      hops.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    f.client = std::string(hops.front());
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      if (!is_trusted(*it, trusted)) {
        f.client = std::string(*it);
        break;
      }
    }
  } else {
    f.for_value = std::string(peer);
    f.client = std::string(peer);
  }
  f.proto_value = trust_peer && incoming_proto ? std::string(trim(*incoming_proto)) : std::string(our_scheme);
  f.host_value = trust_peer && incoming_host ? std::string(trim(*incoming_host)) : std::string(request_host);
  return f;
}

}  // namespace gatehouse
