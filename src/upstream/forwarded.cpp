#include "gatehouse/forwarded.hpp"

#include <vector>

#include "gatehouse/values.hpp"

namespace gatehouse {

bool is_trusted(std::string_view address, const std::vector<Cidr>& trusted) {
  for (const auto& c : trusted)
    if (c.contains(address)) return true;
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
