#include "gatehouse/message_head.hpp"

// The parts of the heads that use Beast's tables of methods and reason
// phrases (compiled with Beast, in src/boost_impl/); keeps_alive is in
// keep_alive.cpp, with the pure parsers.

namespace gatehouse {

RequestHead::RequestHead(http::verb method, std::string_view target, unsigned version) : target_(target), version_(version) {
  this->method(method);
}

void RequestHead::method(http::verb m) {
  method_ = m;
  auto text = http::to_string(m);
  method_text_.assign(text.data(), text.size());
}

void RequestHead::method_string(std::string_view text) {
  method_ = http::string_to_verb(text);
  method_text_.assign(text);
}

std::string_view ResponseHead::reason() const {
  if (!reason_.empty()) return reason_;
  auto text = http::obsolete_reason(static_cast<http::status>(status_));
  return {text.data(), text.size()};
}

}  // namespace gatehouse
