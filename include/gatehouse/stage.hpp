#pragma once
#include <string_view>

#include "gatehouse/exchange.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

enum class Flow { next, answered };

// One step of the request pipeline. on_request runs in pipeline order and
// either passes the exchange on or answers it; on_response runs in reverse
// order, for every stage whose on_request ran, once the response head is
// known and before it is written to the client.
class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  virtual asio::awaitable<Flow> on_request(Exchange& ex) = 0;
  virtual void on_response(Exchange&) {}
};

}  // namespace gatehouse
