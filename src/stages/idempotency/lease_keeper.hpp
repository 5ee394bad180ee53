#pragma once
// The renewal loop of one claim and the request that holds it share this:
// the request stops it when its outcome is known (or it is gone), which
// wakes the loop at once rather than at its next renewal.
#include <chrono>

#include "gatehouse/net.hpp"

namespace gatehouse::idempotency {

class LeaseKeeper {
 public:
  explicit LeaseKeeper(asio::io_context& io) : timer_(io) {}
  // Waits `d`; false once stopped (or cancelled: the worker is stopping).
  Awaitable<bool> wait(std::chrono::steady_clock::duration d) {
    if (stopped_) co_return false;
    timer_.expires_after(d);
    auto [ec] = co_await timer_.async_wait(use_nothrow);
    co_return !ec && !stopped_;
  }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace gatehouse::idempotency
