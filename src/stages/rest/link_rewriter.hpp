#pragma once
// Hypermedia links from internal upstream URLs to the public URL the client
// used: in the Location, Content-Location and Link fields, and in the
// `_links.*.href` of JSON and HAL bodies (JSON-aware: nothing else in a body
// changes). Pure functions; the REST stage decides when they run.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/settings.hpp"

namespace gatehouse::rest {

// A route's upstream bases, worked out once; maps URLs for one request's
// public origin.
class RouteLinks {
 public:
  // Internal: each of the route's upstreams, with its path prefix; public:
  // the request's origin, plus the route's prefix when it is stripped.
  explicit RouteLinks(const Route& route);
  // The public form of an absolute URL to one of the route's upstreams, for
  // `public_origin` ("https://api.example.com": the scheme and Host the
  // client used); nullopt for any other URL (another host, a relative reference).
  std::optional<std::string> map(std::string_view url, std::string_view public_origin) const;
  // Whether `text` may hold such a URL: a cheap test before parsing a body.
  bool may_appear_in(std::string_view text) const;

 private:
  std::vector<std::string> internal_;     // "http://10.0.0.5:8080/v1", and without a default port
  std::vector<std::string> authorities_;  // "10.0.0.5:8080", "10.0.0.5": what may_appear_in looks for
  std::string public_prefix_;             // the route's prefix when stripped, else ""
};

// A RouteLinks and one request's public origin.
struct LinkMapper {
  const RouteLinks& route;
  std::string_view public_origin;
  std::optional<std::string> map(std::string_view url) const { return route.map(url, public_origin); }
};

// A Link field's value with each <URI> mapped; nullopt when none changed.
std::optional<std::string> rewrite_link_field(std::string_view value, const LinkMapper& mapper);

struct JsonLinks {
  enum class Result { unchanged, rewritten, malformed };
  Result result = Result::unchanged;
  std::string body;         // when rewritten
  bool has_self = false;    // the document's own _links.self (parsed bodies only)
};
// Parses `body` as JSON and maps every `_links.<rel>.href` (a link object, or
// an array of them), in the document and in every document nested in it
// (`_embedded`, arrays). Templated hrefs ("/bookings{?page}") are mapped by
// their URL part. A null `mapper` only reads has_self.
JsonLinks rewrite_json_links(std::string_view body, const LinkMapper* mapper);

// application/json, application/hal+json, any */*+json.
bool is_json_type(std::string_view content_type);

}  // namespace gatehouse::rest
