#pragma once
// Cache-Control (RFC 9111 §5.2), read from every line of a request or a response.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/fields.hpp"

namespace gatehouse::cache {

// delta-seconds as RFC 9111 §1.2.2 reads them: a larger number is 2^31.
constexpr std::int64_t kMaxDelta = 2147483648;

struct CacheControl {
  bool present = false;    // some Cache-Control line was there (a request's Pragma then counts for nothing)
  bool malformed = false;  // a quoted string left open: read as no-store, never guessed at
  // Directives with a delta-seconds argument. An argument that is not
  // delta-seconds, or a directive repeated with another value, reads as 0:
  // invalid freshness information makes a response stale (RFC 9111 §4.2.1),
  // and a request then asks for the most it can.
  std::optional<std::int64_t> max_age;
  std::optional<std::int64_t> s_maxage;
  std::optional<std::int64_t> min_fresh;
  std::optional<std::int64_t> stale_while_revalidate;  // RFC 5861
  std::optional<std::int64_t> stale_if_error;          // RFC 5861
  bool max_stale = false;                              // present, with or without an argument
  std::optional<std::int64_t> max_stale_seconds;       // its argument; none means any staleness
  bool no_cache = false;  // unqualified or with field names (both make the stored response revalidate)
  bool no_store = false;
  bool is_private = false;  // unqualified: a shared cache does not store
  std::vector<std::string> private_fields;  // private="a, b": stored without these (lower case)
  bool is_public = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool only_if_cached = false;
  bool must_understand = false;
};

// Every Cache-Control line of `fields`, directives case-insensitive,
// arguments as tokens or quoted strings, unknown directives ignored.
CacheControl parse_cache_control(const Fields& fields);

}  // namespace gatehouse::cache
