#include "gatehouse/header_hygiene.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "gatehouse/http_date.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

namespace {
// The fields that are hop-by-hop whatever Connection says (RFC 9110 §7.6.1),
// and the ones older HTTP made so (Keep-Alive, Proxy-Connection).
bool is_hop_by_hop(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals_ascii(name, "te");
    case 7: return iequals_ascii(name, "trailer") || iequals_ascii(name, "upgrade");
    case 10: return iequals_ascii(name, "keep-alive") || iequals_ascii(name, "connection");
    case 16: return iequals_ascii(name, "proxy-connection");
    case 17: return iequals_ascii(name, "transfer-encoding");
    case 18: return iequals_ascii(name, "proxy-authenticate");
    case 19: return iequals_ascii(name, "proxy-authorization");
    default: return false;
  }
}
}  // namespace

void strip_hop_by_hop(Fields& fields) {
  // Fields named in Connection are hop-by-hop too. The names point into the
  // Connection lines, which the one pass below removes with the rest. Most
  // messages name one or two (keep-alive, close): no allocation for those.
  boost::container::small_vector<std::string_view, 4> named;
  for_each_value(fields, http::field::connection, [&](std::string_view value) {
    while (!value.empty()) {
      auto comma = value.find(',');
      auto token = trim(value.substr(0, comma));
      if (!token.empty() && !iequals_ascii(token, "host") && !iequals_ascii(token, "connection")) named.push_back(token);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  });
  auto is_named = [&](std::string_view name) {
    return std::any_of(named.begin(), named.end(), [&](std::string_view n) { return iequals_ascii(n, name); });
  };
  // Host is never removed this way: it is not a connection option.
  fields.erase_if([&](const Fields::Field& f) {
    return is_hop_by_hop(f.name) || (!named.empty() && !iequals_ascii(f.name, "host") && is_named(f.name));
  });
}

std::vector<std::string> underscore_field_names(const Fields& fields) {
  std::vector<std::string> names;
  for (const auto f : fields) {
    if (f.name.find('_') == std::string_view::npos) continue;
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return iequals_ascii(n, f.name); }))
      names.emplace_back(f.name);
  }
  return names;
}

void ensure_date(Fields& fields) {
  if (!fields.contains(http::field::date)) fields.insert(http::field::date, http_date_now());
}

bool is_chunked(const Fields& fields) {
  bool chunked = false;
  for_each_value(fields, http::field::transfer_encoding, [&](std::string_view value) {
    auto comma = value.rfind(',');
    chunked = iequals_ascii(trim(comma == std::string_view::npos ? value : value.substr(comma + 1)), "chunked");
  });
  return chunked;
}

namespace {
// Sets Content-Length unless it already says `length` (an upstream's usually does).
void set_content_length(Fields& fields, std::uint64_t length) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  std::string_view text(digits, static_cast<std::size_t>(end - digits));
  auto it = fields.find(http::field::content_length);
  if (it != fields.end() && it->value == text && fields.count(http::field::content_length) == 1) return;
  fields.set(http::field::content_length, text);
}

// Connection as the client's version needs it: nothing where keep-alive is
// that version's default, else "keep-alive" (1.0) or "close" (1.1). Every
// Connection option the upstream sent was hop-by-hop, and is gone already.
void set_connection(Fields& fields, unsigned version, bool keep_alive) {
  if (keep_alive == (version == 11)) {
    fields.erase(http::field::connection);
    return;
  }
  fields.set(http::field::connection, keep_alive ? "keep-alive" : "close");
}
}  // namespace

void apply_request_framing(RequestHead& req, const Framing& f) {
  req.version(11);
  req.erase(http::field::content_length);
  req.erase(http::field::transfer_encoding);
  if (f.chunked) req.insert(http::field::transfer_encoding, "chunked");
  else if (f.length) set_content_length(req, *f.length);
}

bool prepare_client_response(ResponseHead& res, unsigned client_version, bool head_request, bool keep_alive,
                             std::optional<std::uint64_t> known_length, bool has_body) {
  res.version(client_version);
  res.erase(http::field::transfer_encoding);
  if (known_length) {
    set_content_length(res, *known_length);
  } else if (has_body && !head_request && !status_has_no_body(res.result_int())) {
    res.erase(http::field::content_length);
    // An HTTP/1.0 client cannot read chunked: the end of the body is the end of the connection.
    if (client_version == 11) res.insert(http::field::transfer_encoding, "chunked");
    else keep_alive = false;
  }
  set_connection(res, client_version, keep_alive);
  return keep_alive;
}

}  // namespace gatehouse
