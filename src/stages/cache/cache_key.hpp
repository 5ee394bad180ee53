#pragma once
// What a stored response is found by: the URL (RFC 9111 §4: scheme, host
// and full target), then the request fields its Vary names (§4.1).
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/fields.hpp"

namespace gatehouse::cache {

// "https://api.example.com/a/b?x=1": the Host lower-cased, its default port
// dropped; the same for GET and HEAD.
std::string primary_key(bool tls, std::string_view host, std::string_view path_and_query);

// A request's value for one Vary name: its lines joined by ", ", whitespace
// around commas removed, lower-cased where the field is case-insensitive
// (Accept*). Absent reads as "" but differs from present-and-empty.
std::string vary_value(const Fields& request, std::string_view name);

// The names a response's Vary lists, lower case; empty when none.
std::vector<std::string> vary_names(const Fields& response);

}  // namespace gatehouse::cache
