#include "cache_control.hpp"

#include <algorithm>
#include <charconv>

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::cache {
namespace {

// A quoted-string's content, its quoted-pairs undone.
std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

std::int64_t delta_seconds(std::string_view arg) {
  std::string text = unquote(arg);
  if (text.empty()) return 0;
  for (char c : text)
    if (c < '0' || c > '9') return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc::result_out_of_range || n > static_cast<std::uint64_t>(kMaxDelta)) return kMaxDelta;
  return static_cast<std::int64_t>(n);
}

// Conflicting repeats read as `conflict`: the strictest value (0 for a
// lifetime or a tolerance, the largest for min-fresh).
void set_delta(std::optional<std::int64_t>& slot, std::optional<std::string_view> arg, bool largest_is_strictest = false) {
  std::int64_t n = arg ? delta_seconds(*arg) : 0;
  if (slot && *slot != n) n = largest_is_strictest ? std::max(*slot, n) : 0;
  slot = n;
}

// Splits a list on commas outside quoted strings. Returns false when a
// quoted string is left open (what follows it cannot be read safely).
template <class F>
bool for_each_directive(std::string_view list, F&& f) {
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size()) {
      char c = list[i];
      if (quoted && c == '\\') {
        if (++i == list.size()) return false;
        continue;
      }
      if (c == '"') quoted = !quoted;
      if (quoted || c != ',') continue;
    }
    std::string_view item = trim(list.substr(start, i - start));
    if (quoted) return false;
    if (!item.empty()) f(item);
    start = i + 1;
  }
  return true;
}

}  // namespace

CacheControl parse_cache_control(const Fields& fields) {
  CacheControl cc;
  fields.for_each_value("Cache-Control", [&](std::string_view value) {
    cc.present = true;
    bool closed = for_each_directive(value, [&](std::string_view directive) {
      auto eq = directive.find('=');
      std::string name = to_lower(trim(directive.substr(0, eq)));
      std::optional<std::string_view> arg;
      if (eq != std::string_view::npos) arg = trim(directive.substr(eq + 1));
      if (name == "max-age") set_delta(cc.max_age, arg);
      else if (name == "s-maxage") set_delta(cc.s_maxage, arg);
      else if (name == "min-fresh") set_delta(cc.min_fresh, arg, true);
      else if (name == "stale-while-revalidate") set_delta(cc.stale_while_revalidate, arg);
      else if (name == "stale-if-error") set_delta(cc.stale_if_error, arg);
      else if (name == "max-stale") {
        cc.max_stale = true;
        if (arg) set_delta(cc.max_stale_seconds, arg);
      } else if (name == "no-cache") cc.no_cache = true;
      else if (name == "no-store") cc.no_store = true;
      else if (name == "private") {
        if (!arg) {
          cc.is_private = true;
        } else {
          std::string names = unquote(*arg);
          for_each_list_item(names, [&](std::string_view n) {
            if (!n.empty()) cc.private_fields.push_back(to_lower(n));
            return true;
          });
          if (cc.private_fields.empty()) cc.is_private = true;
        }
      } else if (name == "public") cc.is_public = true;
      else if (name == "must-revalidate") cc.must_revalidate = true;
      else if (name == "proxy-revalidate") cc.proxy_revalidate = true;
      else if (name == "only-if-cached") cc.only_if_cached = true;
      else if (name == "must-understand") cc.must_understand = true;
    });
    if (!closed) {
      cc.malformed = true;
      cc.no_store = true;
    }
  });
  return cc;
}

}  // namespace gatehouse::cache
