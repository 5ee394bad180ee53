#include "gatehouse/http_grammar.hpp"
#include "gatehouse/message_head.hpp"

namespace gatehouse {

bool keeps_alive(unsigned version, const Fields& fields) {
  ConnectionOptions options;
  fields.for_each_value("Connection", [&](std::string_view value) { options.read(value); });
  return options.keeps_alive(version);
}

}  // namespace gatehouse
