#include "gatehouse/access_line.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

#include "gatehouse/values.hpp"

namespace gatehouse {

std::string_view error_code_text(ErrorCode c) {
  static constexpr std::array<std::string_view, 18> kText{"-",  "NR", "MN", "BR", "TL", "RT", "CC", "UF", "UT",
                                                          "UR", "UP", "EX", "U5", "LD", "IK", "SU", "RR", "TI"};
  return kText[static_cast<std::size_t>(c)];
}

std::string_view error_code_description(ErrorCode c) {
  static constexpr std::array<std::string_view, 18> kText{"",
                                                          "no route",
                                                          "method not allowed",
                                                          "bad request",
                                                          "request too large",
                                                          "request timeout",
                                                          "client closed",
                                                          "upstream connect failure",
                                                          "upstream timeout",
                                                          "upstream reset",
                                                          "bad upstream response",
                                                          "internal error",
                                                          "upstream answered 5xx",
                                                          "request loop detected",
                                                          "idempotency key refused",
                                                          "idempotency store unavailable",
                                                          "REST rule enforced",
                                                          "upgraded connection idle"};
  return kText[static_cast<std::size_t>(c)];
}

std::string_view error_code_level(ErrorCode c) {
  switch (c) {
    case ErrorCode::none:
    case ErrorCode::tunnel_idle: return "info";
    case ErrorCode::upstream_connect:
    case ErrorCode::upstream_timeout:
    case ErrorCode::upstream_reset:
    case ErrorCode::upstream_protocol:
    case ErrorCode::store_unavailable:
    case ErrorCode::internal: return "error";
    default: return "warn";
  }
}

bool is_secret_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kMarkers{"token", "password", "passwd", "pwd",  "secret", "key",
                                                             "signature", "sig", "auth", "credential", "session"};
  std::string lower = to_lower(name);
  for (auto marker : kMarkers)
    if (lower.find(marker) != std::string::npos) return true;
  return false;
}

std::string redact_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_parameter(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out += "REDACTED";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

namespace {
constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          // Non-ASCII bytes are escaped too: a request target may hold invalid UTF-8.
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

namespace {
// What each byte asks of a logfmt value: a table, since every byte of every
// access line is looked up.
enum : std::uint8_t { kBare = 0, kQuote = 1, kEscape = 2 };
constexpr std::array<std::uint8_t, 256> kLogfmtByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    // Bytes a value cannot hold bare make it quoted; some are escaped inside the quotes.
    if (c <= ' ' || c == '=' || c >= 0x7f) t[c] = kQuote;
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) t[c] = kQuote | kEscape;
  }
  return t;
}();
bool needs_escape(unsigned char c) { return kLogfmtByte[c] & kEscape; }

// What the bytes of a value ask for, OR-ed together. Eight bytes at a time
// where none is special (the usual case: ids, hosts, paths); a word with a
// special byte in it is looked at byte by byte.
std::uint8_t logfmt_needs(std::string_view v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_byte = [&](std::uint64_t x, unsigned char c) {
    std::uint64_t y = x ^ (kOnes * c);
    return (y - kOnes) & ~y & kHigh;
  };
  std::uint8_t need = 0;
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, v.data() + i, 8);
    std::uint64_t space_or_below = (x - kOnes * 0x21) & ~x & kHigh;    // some byte <= 0x20
    std::uint64_t del_or_high = (x | ((x & ~kHigh) + kOnes)) & kHigh;   // some byte >= 0x7f
    if (space_or_below | del_or_high | has_byte(x, '=') | has_byte(x, '"') | has_byte(x, '\\'))
      for (std::size_t j = i; j < i + 8; ++j) need |= kLogfmtByte[static_cast<unsigned char>(v[j])];
  }
  for (; i < v.size(); ++i) need |= kLogfmtByte[static_cast<unsigned char>(v[i])];
  return need;
}
}  // namespace

namespace {

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

// Milliseconds with up to three decimals and no trailing zeros: 21, 0.412, 18.5.
void append_millis(std::string& out, std::int64_t us) {
  append_number(out, static_cast<std::uint64_t>(us / 1000));
  int fraction = static_cast<int>(us % 1000);
  if (fraction == 0) return;
  char decimals[4] = {'.', static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                      static_cast<char>('0' + fraction % 10)};
  std::size_t n = 4;
  while (decimals[n - 1] == '0') --n;
  out.append(decimals, n);
}

// The target as logged: secret query values redacted. Most targets have no
// query, and are logged as they are, without a copy.
template <class F>
void with_logged_target(std::string_view target, F&& f) {
  if (target.find('?') == std::string_view::npos) f(target);
  else f(std::string_view(redact_target(target)));
}

// Writes a logfmt line straight into room reserved for it: the line's size
// is bounded before a byte is written (a value byte takes at most four
// bytes, \xNN), so no write checks for capacity.
class LogfmtWriter {
 public:
  LogfmtWriter(std::string& out, std::size_t bound) : out_(out), start_(out.size()) {
    out_.resize(start_ + bound);
    p_ = out_.data() + start_;
  }
  ~LogfmtWriter() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }
  LogfmtWriter(const LogfmtWriter&) = delete;
  LogfmtWriter& operator=(const LogfmtWriter&) = delete;

  [[gnu::always_inline]] void text(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  [[gnu::always_inline]] void byte(char c) { *p_++ = c; }
  // One pass finds whether the value needs quotes or escapes; most need
  // neither and are copied whole.
  void value(std::string_view v, bool always_quote) {
    std::uint8_t need = logfmt_needs(v);
    if (!(need & kQuote) && !always_quote && !v.empty()) return text(v);
    byte('"');
    if (!(need & kEscape)) {
      text(v);
    } else {
      for (unsigned char c : v) {
        if (!needs_escape(c)) {
          byte(static_cast<char>(c));
        } else if (c == '"' || c == '\\') {
          byte('\\');
          byte(static_cast<char>(c));
        } else if (c == '\n') {
          text("\\n");
        } else if (c == '\t') {
          text("\\t");
        } else {
          text("\\x");
          byte(kHex[c >> 4]);
          byte(kHex[c & 15]);
        }
      }
    }
    byte('"');
  }
  [[gnu::always_inline]] void field(std::string_view name, std::string_view v, bool always_quote = false) {
    byte(' ');
    text(name);
    byte('=');
    value(v, always_quote);
  }
  [[gnu::always_inline]] void number(std::uint64_t n) { p_ = std::to_chars(p_, p_ + 20, n).ptr; }
  // Milliseconds with up to three decimals and no trailing zeros: 21, 0.412, 18.5.
  [[gnu::always_inline]] void timing(std::string_view name, std::int64_t us) {
    byte(' ');
    text(name);
    byte('=');
    if (us == RequestInfo::kUnset) return byte('-');
    number(static_cast<std::uint64_t>(us / 1000));
    int fraction = static_cast<int>(us % 1000);
    if (fraction != 0) {
      char decimals[4] = {'.', static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                          static_cast<char>('0' + fraction % 10)};
      std::size_t n = 4;
      while (decimals[n - 1] == '0') --n;
      text({decimals, n});
    }
    text("ms");
  }

 private:
  std::string& out_;
  std::size_t start_;
  char* p_;
};

void logfmt_line(std::string& out, const RequestInfo& i, std::string_view target) {
  std::string_view desc = i.code == ErrorCode::none ? std::string_view()
                          : i.detail.empty()        ? error_code_description(i.code)
                                                    : std::string_view(i.detail);
  std::string_view request_id = i.request_id.empty() ? std::string_view("-") : std::string_view(i.request_id);
  // Names, separators, numbers and timings take under 400 bytes; each value byte at most 4.
  std::size_t values = desc.size() + i.method.size() + target.size() + i.route.size() + i.host.size() + request_id.size() +
                       i.client.size() + i.upstream.size() + i.cache.size() + i.idem.size() + i.rest.size();
  LogfmtWriter w(out, 400 + 4 * values);
  w.text("at=");
  w.text(error_code_level(i.code));
  if (i.code != ErrorCode::none) {
    w.text(" code=");
    w.text(error_code_text(i.code));
    w.text(" desc=");
    w.value(desc, true);
  }
  w.field("method", i.method);
  w.field("path", target, true);
  w.field("route", i.route);
  w.field("host", i.host);
  w.field("request_id", request_id);
  w.field("fwd", i.client, true);
  w.field("upstream", i.upstream);
  w.timing("connect", i.connect_us);
  w.timing("service", i.service_us);
  w.timing("duration", i.duration_us);
  w.text(" status=");
  w.number(static_cast<std::uint64_t>(i.status < 0 ? 0 : i.status));
  w.text(" bytes=");
  w.number(i.bytes_out);
  w.text(" bytes_in=");
  w.number(i.bytes_in);
  w.field("cache", i.cache);
  w.field("idem", i.idem);
  w.field("rest", i.rest);
  w.byte('\n');
}

void json_line(std::string& out, const RequestInfo& i) {
  auto field = [&](std::string_view name, std::string_view value) {
    out += ",\"";
    out += name;
    out += "\":";
    append_json_string(out, value);
  };
  auto timing = [&](std::string_view name, std::int64_t us) {
    out += ",\"";
    out += name;
    out += "\":";
    if (us == RequestInfo::kUnset) out += "null";
    else append_millis(out, us);
  };
  out += "{\"at\":";
  append_json_string(out, error_code_level(i.code));
  if (i.code != ErrorCode::none) {
    field("code", error_code_text(i.code));
    field("desc", i.detail.empty() ? error_code_description(i.code) : std::string_view(i.detail));
  }
  field("method", i.method);
  with_logged_target(i.target, [&](std::string_view target) { field("path", target); });
  field("route", i.route);
  field("host", i.host);
  field("request_id", i.request_id);
  field("fwd", i.client);
  field("upstream", i.upstream);
  timing("connect_ms", i.connect_us);
  timing("service_ms", i.service_us);
  timing("duration_ms", i.duration_us);
  fmt::format_to(std::back_inserter(out), ",\"status\":{},\"bytes\":{},\"bytes_in\":{}", i.status, i.bytes_out, i.bytes_in);
  field("cache", i.cache);
  field("idem", i.idem);
  field("rest", i.rest);
  out += "}\n";
}

}  // namespace

void append_access_line(std::string& out, const RequestInfo& info, LogFormat format) {
  if (format == LogFormat::json) json_line(out, info);
  else with_logged_target(info.target, [&](std::string_view target) { logfmt_line(out, info, target); });
}

}  // namespace gatehouse
