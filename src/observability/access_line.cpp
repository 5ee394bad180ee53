#include "gatehouse/access_line.hpp"

#include <array>
#include <fmt/format.h>

#include "gatehouse/values.hpp"

namespace gatehouse {

std::string_view error_code_text(ErrorCode c) {
  static constexpr std::array<std::string_view, 14> kText{"-",  "NR", "MN", "BR", "TL", "RT", "CC",
                                                          "UF", "UT", "UR", "UP", "EX", "U5", "LD"};
  return kText[static_cast<std::size_t>(c)];
}

std::string_view error_code_description(ErrorCode c) {
  static constexpr std::array<std::string_view, 14> kText{"",
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
                                                          "request loop detected"};
  return kText[static_cast<std::size_t>(c)];
}

std::string_view error_code_level(ErrorCode c) {
  switch (c) {
    case ErrorCode::none: return "info";
    case ErrorCode::upstream_connect:
    case ErrorCode::upstream_timeout:
    case ErrorCode::upstream_reset:
    case ErrorCode::upstream_protocol:
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

void append_escaped_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}
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

void append_logfmt_value(std::string& out, std::string_view text, bool always_quote) {
  bool quote = always_quote || text.empty();
  for (unsigned char c : text)
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c >= 0x7f) quote = true;
  if (!quote) {
    out.append(text);
    return;
  }
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      append_escaped_byte(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

namespace {

// Milliseconds with up to three decimals and no trailing zeros: 21, 0.412, 18.5.
std::string millis_text(std::int64_t us) {
  std::string s = fmt::format("{}.{:03}", us / 1000, us % 1000);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void logfmt_line(std::string& out, const RequestInfo& i) {
  out += "at=";
  out += error_code_level(i.code);
  if (i.code != ErrorCode::none) {
    out += " code=";
    out += error_code_text(i.code);
    out += " desc=";
    append_logfmt_value(out, i.detail.empty() ? error_code_description(i.code) : std::string_view(i.detail), true);
  }
  auto field = [&](std::string_view name, std::string_view value, bool quote = false) {
    out += ' ';
    out += name;
    out += '=';
    append_logfmt_value(out, value, quote);
  };
  auto timing = [&](std::string_view name, std::int64_t us) {
    out += ' ';
    out += name;
    out += '=';
    if (us == RequestInfo::kUnset) {
      out += '-';
    } else {
      out += millis_text(us);
      out += "ms";
    }
  };
  field("method", i.method);
  field("path", redact_target(i.target), true);
  field("route", i.route);
  field("host", i.host);
  field("request_id", i.request_id.empty() ? std::string_view("-") : std::string_view(i.request_id));
  field("fwd", i.client, true);
  field("upstream", i.upstream);
  timing("connect", i.connect_us);
  timing("service", i.service_us);
  timing("duration", i.duration_us);
  fmt::format_to(std::back_inserter(out), " status={} bytes={} bytes_in={}", i.status, i.bytes_out, i.bytes_in);
  field("cache", i.cache);
  field("idem", i.idem);
  field("rest", i.rest);
  out += '\n';
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
    out += us == RequestInfo::kUnset ? std::string("null") : millis_text(us);
  };
  out += "{\"at\":";
  append_json_string(out, error_code_level(i.code));
  if (i.code != ErrorCode::none) {
    field("code", error_code_text(i.code));
    field("desc", i.detail.empty() ? error_code_description(i.code) : std::string_view(i.detail));
  }
  field("method", i.method);
  field("path", redact_target(i.target));
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
  else logfmt_line(out, info);
}

}  // namespace gatehouse
