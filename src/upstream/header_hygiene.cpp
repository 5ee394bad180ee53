#include "gatehouse/header_hygiene.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "gatehouse/http_date.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

void strip_hop_by_hop(http::fields& fields) {
  // Fields named in Connection are hop-by-hop too; collect them first. The
  // names point into the Connection lines, which are erased last. Most
  // messages name one or two (keep-alive, close): no allocation for those.
  boost::container::small_vector<std::string_view, 4> named;
  for_each_value(fields, http::field::connection, [&](std::string_view value) {
    while (!value.empty()) {
      auto comma = value.find(',');
      auto token = trim(value.substr(0, comma));
      if (!token.empty()) named.push_back(token);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  });
  for (auto name : named)
    if (!beast::iequals(name, "host") && !beast::iequals(name, "connection")) fields.erase(name);
  for (auto f : {http::field::connection, http::field::keep_alive, http::field::proxy_connection, http::field::te,
                 http::field::trailer, http::field::transfer_encoding, http::field::upgrade,
                 http::field::proxy_authenticate, http::field::proxy_authorization})
    fields.erase(f);
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

bool prepare_client_response(http::response<http::buffer_body>& res, unsigned client_version, bool head_request,
                             bool keep_alive, std::optional<std::uint64_t> known_length, bool has_body) {
  res.version(client_version);
  res.erase(http::field::transfer_encoding);
  if (known_length) {
    res.content_length(*known_length);
  } else if (has_body && !head_request && !status_has_no_body(res.result_int())) {
    res.erase(http::field::content_length);
    // An HTTP/1.0 client cannot read chunked: the end of the body is the end of the connection.
    if (client_version == 11) res.chunked(true);
    else keep_alive = false;
  }
  res.keep_alive(keep_alive);
  return keep_alive;
}

}  // namespace gatehouse
