#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/cidr.hpp"

namespace gatehouse {

// The X-Forwarded-* values to send upstream, and the client address to log.
// An incoming chain is believed only when the direct peer is a trusted proxy;
// otherwise it is replaced, so that a client cannot forge its address.
struct ForwardedHeaders {
  std::string client;  // the original client as far as trust reaches
  std::string for_value;
  std::string proto_value;
  std::string host_value;
};

ForwardedHeaders compute_forwarded(std::string_view peer_address, std::optional<std::string_view> incoming_for,
                                   std::optional<std::string_view> incoming_proto,
                                   std::optional<std::string_view> incoming_host, std::string_view our_scheme,
                                   std::string_view request_host, const std::vector<Cidr>& trusted);

bool is_trusted(std::string_view address, const std::vector<Cidr>& trusted);

// True when a Via field value (RFC 9110 §7.6.3) lists `name` as one of its
// received-by hops, case-insensitively: the request has been here before.
// Comments in parentheses, which may hold commas, are skipped.
bool via_lists(std::string_view via, std::string_view name);

}  // namespace gatehouse
