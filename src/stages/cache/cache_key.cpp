#include "cache_key.hpp"

#include <vector>

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse::cache {

std::string primary_key(bool tls, std::string_view host, std::string_view path_and_query) {
  std::string h = to_lower(host);
  std::string_view default_port = tls ? ":443" : ":80";
  if (h.size() > default_port.size() && std::string_view(h).ends_with(default_port) && h.back() != ']')
    h.resize(h.size() - default_port.size());
  std::string key = tls ? "https://" : "http://";
  key.append(h).append(path_and_query);
  return key;
}

std::string vary_value(const Fields& request, std::string_view name) {
  bool lower = name.starts_with("accept");
  bool present = false;
  std::string out;
  request.for_each_value(name, [&](std::string_view v) {
    present = true;
    for_each_list_item(v, [&](std::string_view item) {
      if (item.empty()) return true;
      if (!out.empty()) out += ',';
      out += lower ? to_lower(item) : std::string(item);
      return true;
    });
  });
  return present ? "=" + out : std::string();
}

std::vector<std::string> vary_names(const Fields& response) {
  std::vector<std::string> names;
  response.for_each_value("Vary", [&](std::string_view v) {
    for_each_list_item(v, [&](std::string_view item) {
      if (!item.empty()) names.push_back(to_lower(item));
      return true;
    });
  });
  return names;
}

}  // namespace gatehouse::cache
