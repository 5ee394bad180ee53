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
bool is_hop_by_hop(http::field f) {
  switch (f) {
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization: return true;
    default: return false;
  }
}
}  // namespace

void strip_hop_by_hop(http::fields& fields) {
  // Fields named in Connection are hop-by-hop too; collect them first. The
  // names point into the Connection lines, which are erased last. Most
  // messages name one or two (keep-alive, close): no allocation for those.
  boost::container::small_vector<std::string_view, 4> named;
  for_each_value(fields, http::field::connection, [&](std::string_view value) {
    while (!value.empty()) {
      auto comma = value.find(',');
      auto token = trim(value.substr(0, comma));
      if (!token.empty() && !beast::iequals(token, "host") && !beast::iequals(token, "connection")) named.push_back(token);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  });
  auto is_named = [&](std::string_view name) {
    return std::any_of(named.begin(), named.end(), [&](std::string_view n) { return beast::iequals(n, name); });
  };
  // One walk over the fields rather than a lookup for each hop-by-hop name.
  bool has_connection = false;
  for (auto it = fields.begin(); it != fields.end();) {
    http::field f = it->name();
    if (f == http::field::connection) {
      has_connection = true;
      ++it;
    } else if (is_hop_by_hop(f) || (!named.empty() && f != http::field::host && is_named(it->name_string()))) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
  if (has_connection) fields.erase(http::field::connection);
}

std::vector<std::string> underscore_field_names(const http::fields& fields) {
  std::vector<std::string> names;
  for (const auto& f : fields) {
    std::string_view name = f.name_string();
    if (name.find('_') == std::string_view::npos) continue;
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return beast::iequals(n, name); }))
      names.emplace_back(name);
  }
  return names;
}

void ensure_date(http::fields& fields) {
  if (fields.find(http::field::date) == fields.end()) fields.set(http::field::date, http_date_now());
}

void apply_request_framing(http::request<http::buffer_body>& req, const Framing& f) {
  req.version(11);
  req.erase(http::field::content_length);
  req.erase(http::field::transfer_encoding);
  if (f.chunked) req.chunked(true);
  else if (f.length) req.content_length(*f.length);
}

bool status_has_no_body(unsigned status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

namespace {
// Sets Content-Length unless it already says `length` (an upstream's usually does).
void set_content_length(http::fields& fields, std::uint64_t length) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  std::string_view text(digits, static_cast<std::size_t>(end - digits));
  auto it = fields.find(http::field::content_length);
  if (it != fields.end() && it->value() == text && fields.count(http::field::content_length) == 1) return;
  fields.set(http::field::content_length, text);
}

// Connection as the client's version needs it: nothing where keep-alive is
// that version's default, else "keep-alive" (1.0) or "close" (1.1). Every
// Connection option the upstream sent was hop-by-hop, and is gone already.
void set_connection(http::fields& fields, unsigned version, bool keep_alive) {
  if (keep_alive == (version == 11)) {
    if (fields.find(http::field::connection) != fields.end()) fields.erase(http::field::connection);
    return;
  }
  fields.set(http::field::connection, keep_alive ? "keep-alive" : "close");
}
}  // namespace

bool prepare_client_response(http::response<http::buffer_body>& res, unsigned client_version, bool head_request,
                             bool keep_alive, std::optional<std::uint64_t> known_length, bool has_body) {
  res.version(client_version);
  if (res.find(http::field::transfer_encoding) != res.end()) res.erase(http::field::transfer_encoding);
  if (known_length) {
    set_content_length(res, *known_length);
  } else if (has_body && !head_request && !status_has_no_body(res.result_int())) {
    res.erase(http::field::content_length);
    // An HTTP/1.0 client cannot read chunked: the end of the body is the end of the connection.
    if (client_version == 11) res.set(http::field::transfer_encoding, "chunked");
    else keep_alive = false;
  }
  set_connection(res, client_version, keep_alive);
  return keep_alive;
}

}  // namespace gatehouse
