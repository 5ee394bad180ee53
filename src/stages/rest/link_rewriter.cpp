#include "link_rewriter.hpp"

#include <nlohmann/json.hpp>

#include "gatehouse/fields.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::rest {

namespace {

using Json = nlohmann::ordered_json;  // keeps the document's key order

// Where the URL's part after a base may begin: the base is a whole path prefix.
bool at_boundary(std::string_view rest) { return rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#' || rest[0] == '{'; }

bool map_href(Json& link, const LinkMapper& mapper) {
  if (!link.is_object()) return false;
  auto href = link.find("href");
  if (href == link.end() || !href->is_string()) return false;
  auto mapped = mapper.map(href->get_ref<const std::string&>());
  if (!mapped) return false;
  *href = std::move(*mapped);
  return true;
}

// Maps the links of `doc` and of every document inside it; true if any changed.
bool map_links(Json& doc, const LinkMapper& mapper) {
  bool changed = false;
  if (doc.is_object()) {
    for (auto& [name, value] : doc.items()) {
      if (name == "_links" && value.is_object()) {
        for (auto& [rel, link] : value.items()) {
          if (link.is_array())
            for (Json& one : link) changed |= map_href(one, mapper);
          else
            changed |= map_href(link, mapper);
        }
      } else {
        changed |= map_links(value, mapper);
      }
    }
  } else if (doc.is_array()) {
    for (Json& item : doc) changed |= map_links(item, mapper);
  }
  return changed;
}

}  // namespace

RouteLinks::RouteLinks(const Route& route) {
  for (const UpstreamUrl& up : route.upstreams) {
    internal_.push_back(up.text());
    authorities_.push_back(up.authority());
    bool default_port = up.port == (up.tls ? 443 : 80);
    if (default_port) {
      bool v6 = up.host.find(':') != std::string::npos;
      std::string bare = v6 ? "[" + up.host + "]" : up.host;
      internal_.push_back(std::string(up.tls ? "https://" : "http://") + bare + up.path_prefix);
      authorities_.push_back(bare);
    }
  }
  if (route.strip_prefix && route.path_prefix != "/") {
    std::string_view prefix = route.path_prefix;
    if (prefix.ends_with('/')) prefix.remove_suffix(1);
    public_prefix_ = prefix;
  }
}

std::optional<std::string> RouteLinks::map(std::string_view url, std::string_view public_origin) const {
  for (const std::string& base : internal_) {
    if (url.size() < base.size() || !iequals_ascii(url.substr(0, base.size()), base)) continue;
    std::string_view rest = url.substr(base.size());
    if (!at_boundary(rest)) continue;
    std::string out(public_origin);
    out += public_prefix_;
    if (rest.empty() || rest[0] != '/') {
      if (public_prefix_.empty()) out += '/';  // the origin's root: "https://host/"
    }
    out += rest;
    return out;
  }
  return std::nullopt;
}

bool RouteLinks::may_appear_in(std::string_view text) const {
  for (const std::string& a : authorities_)
    if (text.find(a) != std::string_view::npos) return true;
  return false;
}

std::optional<std::string> rewrite_link_field(std::string_view value, const LinkMapper& mapper) {
  // Link = #link-value; link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
  // (RFC 8288 §3). A '<' inside a quoted parameter value is not a URI.
  std::string out;
  bool changed = false, quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted) {
      if (c == '\\' && i + 1 < value.size()) {
        out += c;
        c = value[++i];
      } else if (c == '"') {
        quoted = false;
      }
      out += c;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '<') {
      std::size_t end = value.find('>', i + 1);
      if (end != std::string_view::npos) {
        std::string_view uri = value.substr(i + 1, end - i - 1);
        auto mapped = mapper.map(uri);
        changed |= mapped.has_value();
        out += '<';
        out += mapped ? std::string_view(*mapped) : uri;
        out += '>';
        i = end;
        continue;
      }
    }
    out += c;
  }
  if (!changed) return std::nullopt;
  return out;
}

JsonLinks rewrite_json_links(std::string_view body, const LinkMapper* mapper) {
  JsonLinks out;
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    out.result = JsonLinks::Result::malformed;
    return out;
  }
  if (doc.is_object()) {
    auto links = doc.find("_links");
    out.has_self = links != doc.end() && links->is_object() && links->contains("self");
  }
  if (mapper && map_links(doc, *mapper)) {
    try {
      out.body = doc.dump();
      out.result = JsonLinks::Result::rewritten;
    } catch (const Json::exception&) {
      out.result = JsonLinks::Result::malformed;  // not UTF-8: passed on as it came
    }
  }
  return out;
}

bool is_json_type(std::string_view content_type) {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (iequals_ascii(type, "application/json")) return true;
  return type.size() > 5 && iequals_ascii(type.substr(type.size() - 5), "+json");
}

}  // namespace gatehouse::rest
