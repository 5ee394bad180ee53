#include "gatehouse/header_hygiene.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "gatehouse/http_date.hpp"
#include "gatehouse/http_grammar.hpp"
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

namespace {
// `token` is one of the comma-separated items of some `name` line.
bool lists_token(const Fields& fields, std::string_view name, std::string_view token) {
  bool found = false;
  fields.for_each_value(name, [&](std::string_view value) {
    for_each_list_item(value, [&](std::string_view item) {
      found = found || iequals_ascii(item, token);
      return !found;
    });
  });
  return found;
}
}  // namespace

bool asks_websocket_upgrade(const RequestHead& req, bool has_body) {
  return req.version() == 11 && req.method() == http::verb::get && !has_body && lists_token(req, "Upgrade", "websocket") &&
         lists_token(req, "Connection", "upgrade");
}

void strip_hop_by_hop(Fields& fields) {
  // Fields named in Connection are hop-by-hop too. The names point into the
  // Connection lines, which the pass below removes with the rest. Most
  // messages name only keep-alive or close (the one already hop-by-hop, the
  // other no field at all): for those one pass does it all.
  boost::container::small_vector<std::string_view, 4> named;
  bool names_others = false;
  fields.erase_if([&](const Fields::Field& f) {
    if (!is_hop_by_hop(f.name)) return false;
    if (f.name.size() == 10 && iequals_ascii(f.name, "connection")) {
      for_each_list_item(f.value, [&](std::string_view token) {
        if (!token.empty() && !iequals_ascii(token, "host") && !iequals_ascii(token, "close") && !is_hop_by_hop(token)) {
          named.push_back(token);
          names_others = true;
        }
        return true;
      });
    }
    return true;
  });
  if (!names_others) return;
  // Host is never removed this way: it is not a connection option.
  fields.erase_if([&](const Fields::Field& f) {
    return std::any_of(named.begin(), named.end(), [&](std::string_view n) { return iequals_ascii(n, f.name); });
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
void insert_length(Fields& fields, std::uint64_t length) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  fields.insert(http::field::content_length, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}
bool is_framing_field(std::string_view name) {
  return (name.size() == 14 && iequals_ascii(name, "content-length")) ||
         (name.size() == 17 && iequals_ascii(name, "transfer-encoding"));
}
}  // namespace

void apply_request_framing(RequestHead& req, const Framing& f) {
  req.version(11);
  // One walk takes the client's framing fields out; the gateway's go in.
  req.erase_if([](const Fields::Field& field) { return is_framing_field(field.name); });
  if (f.chunked) req.insert(http::field::transfer_encoding, "chunked");
  else if (f.length) insert_length(req, *f.length);
}

ClientFraming prepare_client_response(ResponseHead& res, unsigned client_version, bool head_request, bool keep_alive,
                                      std::optional<std::uint64_t> known_length, bool has_body) {
  res.version(client_version);
  bool chunk = !known_length && has_body && !head_request && !status_has_no_body(res.result_int());
  // An HTTP/1.0 client cannot read chunked: the end of the body is the end of the connection.
  if (chunk && client_version != 11) keep_alive = false;
  // One walk takes out what the gateway sets itself: the framing it decides
  // (Transfer-Encoding always; Content-Length when it sends its own or
  // none) and Connection. Every Connection option the upstream sent was
  // hop-by-hop and is gone already.
  bool replace_length = known_length || chunk;
  res.erase_if([&](const Fields::Field& field) {
    std::string_view name = field.name;
    if (name.size() == 10) return iequals_ascii(name, "connection");
    if (name.size() == 14) return replace_length && iequals_ascii(name, "content-length");
    return name.size() == 17 && iequals_ascii(name, "transfer-encoding");
  });
  if (known_length) insert_length(res, *known_length);
  else if (chunk && client_version == 11) res.insert(http::field::transfer_encoding, "chunked");
  // Connection as the client's version needs it: nothing where keep-alive is
  // that version's default, else "keep-alive" (1.0) or "close" (1.1).
  if (keep_alive != (client_version == 11)) res.insert(http::field::connection, keep_alive ? "keep-alive" : "close");
  return {keep_alive, chunk && client_version == 11};
}

}  // namespace gatehouse
