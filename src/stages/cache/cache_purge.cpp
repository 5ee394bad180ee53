#include "cache_purge.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cache_key.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::cache {
namespace {

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

// "https://Host:443/p?q" as the cache keys it; nullopt when not http(s).
std::optional<std::string> key_of_url(std::string_view url) {
  bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(tls ? 8 : 7);
  auto slash = url.find('/');
  std::string_view host = url.substr(0, slash);
  if (host.empty()) return std::nullopt;
  return primary_key(tls, host, slash == std::string_view::npos ? std::string_view() : url.substr(slash));
}

StageAdminAnswer problem(unsigned status, std::string_view detail) {
  return {status, fmt::format(R"({{"type":"about:blank","title":"Bad purge request","status":{},"detail":"{}"}})", status, detail), ""};
}

// The replica's own part was done; the shared store's was not (or not all):
// a 502 that says so, for the operator to retry.
StageAdminAnswer shared_failed(std::size_t purged_here) {
  return {502,
          fmt::format(R"({{"type":"about:blank","title":"Purge incomplete","status":502,"detail":"purged {} here; the shared cache (Redis) did not answer: retry"}})",
                      purged_here),
          ""};
}

}  // namespace

std::optional<StageAdminAnswer> purge(CacheStore& store, std::string_view method, std::string_view target, const SharedPurge& shared) {
  auto q = target.find('?');
  if (target.substr(0, q) != kPurgePath) return std::nullopt;
  if (method != "POST") return StageAdminAnswer{405, R"({"type":"about:blank","title":"Method not allowed","status":405})", "POST"};
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto eq = query.find('=');
  if (eq == std::string_view::npos || query.find('&') != std::string_view::npos)
    return problem(400, "give exactly one of url=, prefix= or tag=");
  std::string_view name = query.substr(0, eq);
  std::string value = percent_decoded(query.substr(eq + 1));
  std::size_t purged = 0;
  if (name == "url" || name == "prefix") {
    auto key = key_of_url(value);
    if (!key) return problem(400, "expected an http:// or https:// URL such as https://api.example.com/bookings/42");
    purged = name == "url" ? store.erase(*key)
                           : store.erase_if([&](const StoredResponse& e) { return std::string_view(e.key).starts_with(*key); });
    if (shared) {
      auto n = shared(name == "url" ? PurgeBy::url : PurgeBy::prefix, *key);
      if (!n) return shared_failed(purged);
      purged += *n;
    }
  } else if (name == "tag") {
    if (value.empty()) return problem(400, "expected a tag");
    purged = store.erase_if([&](const StoredResponse& e) { return std::find(e.tags.begin(), e.tags.end(), value) != e.tags.end(); });
    if (shared) {
      auto n = shared(PurgeBy::tag, value);
      if (!n) return shared_failed(purged);
      purged += *n;
    }
  } else {
    return problem(400, "give exactly one of url=, prefix= or tag=");
  }
  return StageAdminAnswer{200, fmt::format(R"({{"purged":{}}})", purged), ""};
}

}  // namespace gatehouse::cache
