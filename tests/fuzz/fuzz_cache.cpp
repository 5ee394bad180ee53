// The cache's RFC 9111 rules on any header fields an upstream or a client
// may send: never a crash, and the arithmetic stays in range. Input: lines
// "Name: value"; those before an empty line are the request's, the rest the
// response's. The first byte picks the status and the clock.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../../src/stages/cache/cache_control.hpp"
#include "../../src/stages/cache/cache_policy.hpp"
#include "gatehouse/http_date.hpp"

using namespace gatehouse;
using namespace gatehouse::cache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr int kStatuses[] = {200, 203, 204, 206, 301, 302, 304, 404, 410, 500, 501, 503};
  int status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  std::time_t now = 1'700'000'000 + (data[0] >> 4) * 1000;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Fields request, response;
  Fields* into = &request;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) {
      into = &response;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    into->insert(line.substr(0, colon), line.substr(colon + 1));
  }
  CacheControl req_cc = parse_cache_control(request), res_cc = parse_cache_control(response);
  for (auto* cc : {&req_cc, &res_cc})
    for (auto v : {cc->max_age, cc->s_maxage, cc->min_fresh, cc->stale_while_revalidate, cc->stale_if_error, cc->max_stale_seconds})
      if (v && (*v < 0 || *v > kMaxDelta)) std::abort();
  PolicySettings policy;
  policy.heuristic_max_seconds = data[0] & 1 ? 3600 : 0;
  if (data[0] & 2) policy.default_ttl = 60;
  NotStored why = may_store({"GET", request, req_cc, status, response, res_cc}, policy);
  if (not_stored_text(why).empty()) std::abort();
  std::int64_t lifetime = freshness_lifetime(status, response, res_cc, now, policy);
  std::int64_t age = initial_age(response, now - 2, now);
  if (lifetime < 0 || age < 0) std::abort();
  Use use = decide(req_cc, data[0] & 4, res_cc, lifetime, current_age(age, now, now + 5));
  if (use == Use::fresh && lifetime <= 0) std::abort();
  (void)may_serve_on_error(res_cc, lifetime, age, data[0] & 8 ? 30 : 0);
  // A date that parses formats back to the same instant.
  response.for_each_value("Date", [&](std::string_view v) {
    if (auto t = parse_http_date(v); t && parse_http_date(format_http_date(*t)) != t) std::abort();
  });
  return 0;
}
